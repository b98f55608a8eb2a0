//! QR codes from images (a file or a pasted screenshot), decoded in Rust with rqrr.
//!
//! An image's size is read from its header before anything is decoded: one claiming more than
//! 4096 × 4096 pixels is refused there (a crafted header must not make the app allocate
//! hundreds of megabytes), and the decoder itself runs under the same limits.

use std::io::Cursor;

use crate::error::{AppError, AppResult};

/// The widest and tallest image read (a phone's screenshot of a QR code is far smaller).
pub const MAX_SIDE: u32 = 4096;

/// What the decoder may use: the largest image allowed, at 16 bits per RGBA channel.
fn limits() -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 8);
    l
}

fn reader(bytes: &[u8]) -> AppResult<image::ImageReader<Cursor<&[u8]>>> {
    let mut r = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| AppError::NotAnImage)?;
    r.limits(limits());
    Ok(r)
}

fn image_error(e: image::ImageError) -> AppError {
    match e {
        image::ImageError::Limits(_) => AppError::ImageTooLarge,
        _ => AppError::NotAnImage,
    }
}

/// The image, decoded only once its header says it is at most `MAX_SIDE` on each side.
pub fn load(bytes: &[u8]) -> AppResult<image::DynamicImage> {
    let (w, h) = reader(bytes)?.into_dimensions().map_err(image_error)?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(AppError::ImageTooLarge);
    }
    reader(bytes)?.decode().map_err(image_error)
}

/// The texts of every QR code found in the image.
pub fn decode(image_bytes: &[u8]) -> AppResult<Vec<String>> {
    let img = load(image_bytes)?.to_luma8();
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

    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A PNG's signature and header chunk claiming `w` × `h` RGBA pixels, then an empty
    /// data chunk: no pixels at all.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        for chunk in [ihdr, b"IDAT".to_vec()] {
            png.extend(u32::try_from(chunk.len() - 4).unwrap().to_be_bytes());
            png.extend(&chunk);
            png.extend(crc32(&chunk).to_be_bytes());
        }
        png
    }

    #[test]
    fn an_image_over_4096_pixels_a_side_is_refused_from_its_header() {
        // 20000 × 20000 RGBA would be 1.6 GB decoded: refused from the 45 bytes of its header,
        // before any decoder allocates (there are no pixels to decode).
        let huge = png_header(20_000, 20_000);
        assert_eq!(huge.len(), 45);
        let mut unlimited = image::ImageReader::new(Cursor::new(&huge[..]))
            .with_guessed_format()
            .unwrap();
        unlimited.no_limits();
        assert_eq!(
            unlimited.into_dimensions().unwrap(),
            (20_000, 20_000),
            "a well-formed header"
        );
        let err = decode(&huge).unwrap_err();
        assert_eq!(err.code(), "image_too_large");
        assert!(err.to_string().contains("4096"), "{err}");
        // One side too long is enough; a real (small) image just past the limit, too.
        assert_eq!(
            decode(&png_header(4097, 1)).unwrap_err().code(),
            "image_too_large"
        );
        let wide = image::GrayImage::from_pixel(MAX_SIDE + 1, 1, Luma([255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(wide)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&png).unwrap_err().code(), "image_too_large");
        // At the limit it is read (and has no code in it).
        let edge = image::GrayImage::from_pixel(MAX_SIDE, 1, Luma([255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(edge)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&png).unwrap_err().code(), "no_qr_code");
    }
}
