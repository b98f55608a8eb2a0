//! The recovery codes as a text file the person keeps (printed, or in a password manager):
//! a heading worded by the UI in the person's language, then one code per line. Written
//! readable by its owner only (`save_file`).

use twostep_core::recovery::RecoveryCode;

use crate::error::{AppError, AppResult};

/// The file's text, from codes that must each be a recovery code (the webview hands them
/// back; nothing else is written).
pub fn text(heading: &str, codes: &[String]) -> AppResult<String> {
    if codes.is_empty() || codes.len() > twostep_core::recovery::SET_SIZE {
        return Err(AppError::Internal("not a set of recovery codes".into()));
    }
    let mut out: String = heading
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(1000)
        .collect();
    out.push_str("\n\n");
    for c in codes {
        let code = RecoveryCode::parse(c)
            .ok_or_else(|| AppError::Internal("not a recovery code".into()))?;
        out.push_str(&code.display());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::save_file::write;

    #[test]
    fn heading_then_one_code_per_line_readable_by_the_owner_only() {
        let codes = vec![
            "abcd efgh ijkl mnop".to_owned(),
            "QRST-UVWX-YZ23-4567".to_owned(),
        ];
        let text = text("Twostep recovery codes\u{7}", &codes).unwrap();
        assert_eq!(
            text,
            "Twostep recovery codes\n\nABCD-EFGH-IJKL-MNOP\nQRST-UVWX-YZ23-4567\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.txt");
        // Chosen over an existing file readable by others: it is theirs no more.
        std::fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write(&path, &text).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn only_recovery_codes_are_written() {
        assert!(text("h", &["not a code".to_owned()]).is_err());
        assert!(text("h", &[]).is_err());
    }
}
