//! Files made from the document model (`domain::briefing::Document`) for people to
//! open outside Groundswell.

pub mod docx;
pub mod pdf;
pub mod tables;

/// The document as PDF with the fonts this machine has; `Ok(Err(..))` when it has no
/// CJK font (the message says what to install).
pub fn pdf_or_font_error(
    d: &crate::domain::briefing::Document,
    chinese: bool,
) -> anyhow::Result<Result<Vec<u8>, pdf::PdfFontError>> {
    match pdf::PdfFonts::find() {
        Ok(fonts) => Ok(Ok(pdf::to_pdf(d, chinese, &fonts)?)),
        Err(e) => Ok(Err(e)),
    }
}
