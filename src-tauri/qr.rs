//! QR codes in pictures (a file or a pasted screenshot). The web view decodes the picture
//! (ui/js/picture.js: every format the system reads, HEIC on Apple's included) and sends its
//! grey levels; rqrr finds the codes in them here. The app carries no image decoders of its
//! own: they were 0.8 MiB of the installed binary (docs/performance.md).
//!
//! A picture's size is checked before its pixels are read here: one over 4096 × 4096 is
//! refused (the web view sends no pixels for it), and pixels that don't fill the size given are
//! not a picture. The web view has decoded the file by then, as it decodes every picture it
//! shows; the file is one the person picked or pasted.

use serde::Deserialize;

use crate::error::{AppError, AppResult};

/// The widest and tallest picture read (a phone's screenshot of a QR code is far smaller).
pub const MAX_SIDE: u32 = 4096;

/// A picture as the web view sends it: its size, and a byte a pixel (0 black, 255 white), row
/// by row, in base64. A file the web view could not decode comes as 0 × 0.
#[derive(Debug, Clone, Deserialize)]
pub struct GreyPicture {
    pub width: u32,
    pub height: u32,
    pub grey_base64: String,
}

impl GreyPicture {
    /// Its pixels, once its size is within the limit and they fill it exactly.
    fn pixels(&self) -> AppResult<Vec<u8>> {
        if self.width > MAX_SIDE || self.height > MAX_SIDE {
            return Err(AppError::ImageTooLarge);
        }
        // At most 4096² = 16 MiB, and the text's length is checked before it is decoded.
        let expected = self.width as usize * self.height as usize;
        let text = self.grey_base64.trim().as_bytes();
        if expected == 0 || data_encoding::BASE64.encode_len(expected) != text.len() {
            return Err(AppError::NotAnImage);
        }
        let grey = data_encoding::BASE64
            .decode(text)
            .map_err(|_| AppError::NotAnImage)?;
        if grey.len() != expected {
            return Err(AppError::NotAnImage);
        }
        Ok(grey)
    }
}

/// The texts of every QR code found in the picture.
pub fn decode(picture: &GreyPicture) -> AppResult<Vec<String>> {
    let grey = picture.pixels()?;
    let width = picture.width as usize;
    let height = picture.height as usize;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
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
pub mod tests {
    use super::*;
    use image::Luma;
    use twostep_core::otpauth::OtpAuth;

    /// What ui/js/picture.js sends for a grey picture.
    pub fn sent(img: &image::GrayImage) -> GreyPicture {
        GreyPicture {
            width: img.width(),
            height: img.height(),
            grey_base64: data_encoding::BASE64.encode(img.as_raw()),
        }
    }

    /// `text` as a QR code, at least `side` pixels a side.
    pub fn qr_picture(text: &str, side: u32) -> GreyPicture {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        sent(&code.render::<Luma<u8>>().min_dimensions(side, side).build())
    }

    #[test]
    fn an_otpauth_uri_rendered_as_a_qr_code_decodes_back_equal() {
        let uri = "otpauth://totp/Twostep:jordan@maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep&algorithm=SHA1&digits=6&period=30";
        let decoded = decode(&qr_picture(uri, 300)).unwrap();
        assert_eq!(decoded, [uri]);
        let o = OtpAuth::parse(&decoded[0]).unwrap();
        assert_eq!(o.to_uri(), uri);
    }

    #[test]
    fn pictures_without_a_code_and_non_pictures_are_clear_errors() {
        let blank = sent(&image::GrayImage::from_pixel(200, 200, Luma([255])));
        assert_eq!(decode(&blank).unwrap_err().code(), "no_qr_code");
        // What the web view sends for a file it could not decode.
        let undecodable = GreyPicture {
            width: 0,
            height: 0,
            grey_base64: String::new(),
        };
        assert_eq!(decode(&undecodable).unwrap_err().code(), "not_an_image");
        // Pixels that don't fill the size given, or aren't base64.
        let short = GreyPicture {
            height: 201,
            ..blank.clone()
        };
        assert_eq!(decode(&short).unwrap_err().code(), "not_an_image");
        let garbled = GreyPicture {
            grey_base64: "*".repeat(blank.grey_base64.len()),
            ..blank
        };
        assert_eq!(decode(&garbled).unwrap_err().code(), "not_an_image");
    }

    #[test]
    fn a_picture_over_4096_pixels_a_side_is_refused_from_its_size() {
        // 20000 × 20000: refused from its size, with no pixels read (none are sent).
        let huge = GreyPicture {
            width: 20_000,
            height: 20_000,
            grey_base64: String::new(),
        };
        let err = decode(&huge).unwrap_err();
        assert_eq!(err.code(), "image_too_large");
        assert!(err.to_string().contains("4096"), "{err}");
        // One side too long is enough, pixels or not.
        let wide = sent(&image::GrayImage::from_pixel(MAX_SIDE + 1, 1, Luma([255])));
        assert_eq!(decode(&wide).unwrap_err().code(), "image_too_large");
        // At the limit it is read (and has no code in it).
        let edge = sent(&image::GrayImage::from_pixel(MAX_SIDE, 1, Luma([255])));
        assert_eq!(decode(&edge).unwrap_err().code(), "no_qr_code");
    }
}
