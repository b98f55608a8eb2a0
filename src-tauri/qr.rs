//! QR codes from images (a file or a pasted screenshot), decoded in Rust with rqrr.

use crate::error::{AppError, AppResult};

/// The texts of every QR code found in the image.
pub fn decode(image_bytes: &[u8]) -> AppResult<Vec<String>> {
    let img = image::load_from_memory(image_bytes)
        .map_err(|_| AppError::NotAnImage)?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let found: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect();
    if found.is_empty() {
        return Err(AppError::Qr(
            "No QR code was found in this image. Try a sharper, larger picture of the code.".into(),
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Luma};
    use std::io::Cursor;
    use twostep_core::otpauth::OtpAuth;

    #[test]
    fn an_otpauth_uri_rendered_as_a_qr_code_decodes_back_equal() {
        let uri = "otpauth://totp/Twostep:jordan@maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep&algorithm=SHA1&digits=6&period=30";
        let code = qrcode::QrCode::new(uri.as_bytes()).unwrap();
        let img = code.render::<Luma<u8>>().min_dimensions(300, 300).build();
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let decoded = decode(&png).unwrap();
        assert_eq!(decoded, [uri]);
        let o = OtpAuth::parse(&decoded[0]).unwrap();
        assert_eq!(o.to_uri(), uri);
    }

    #[test]
    fn images_without_a_code_and_non_images_are_clear_errors() {
        let blank = image::GrayImage::from_pixel(200, 200, Luma([255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(blank)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&png).unwrap_err().code(), "no_qr_code");
        assert_eq!(decode(b"not an image").unwrap_err().code(), "not_an_image");
    }
}
