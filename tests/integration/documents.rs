//! Checking exported files the way their readers open them.

use std::path::PathBuf;
use std::process::Command;

/// Converts a DOCX to PDF with LibreOffice headless and checks the PDF's text holds
/// `expect` (pdftotext). Required when GROUNDSWELL_REQUIRE_BROWSER is set (CI installs
/// LibreOffice and poppler); otherwise skipped with a note when the tools are missing.
pub fn converts_with_libreoffice(docx: &[u8], expect: &str) {
    let have = |tool: &str| {
        Command::new("which")
            .arg(tool)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("soffice") || !have("pdftotext") {
        if std::env::var_os("GROUNDSWELL_REQUIRE_BROWSER").is_some() {
            panic!(
                "LibreOffice (soffice) and pdftotext are required: apt-get install libreoffice-writer-nogui poppler-utils"
            );
        }
        eprintln!("NOTE: LibreOffice conversion SKIPPED: soffice or pdftotext missing");
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("gs-docx-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("briefing.docx");
    std::fs::write(&input, docx).unwrap();
    let profile = dir.join("profile");
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&input)
        .output()
        .expect("run soffice");
    assert!(
        out.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf: PathBuf = dir.join("briefing.pdf");
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(expect), "the PDF's text: {text}");
    // Keep a copy to look at.
    let keep = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::copy(&pdf, keep.join("briefing-from-docx.pdf")).ok();
    std::fs::remove_dir_all(&dir).ok();
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The text of a PDF as `pdftotext` reads it (its layout kept, so table rows stay on
/// one line); `None` when the tool is missing and not required.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let have = Command::new("which")
        .arg("pdftotext")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        if std::env::var_os("GROUNDSWELL_REQUIRE_BROWSER").is_some() {
            panic!("pdftotext is required: apt-get install poppler-utils");
        }
        eprintln!("NOTE: PDF text check SKIPPED: pdftotext missing");
        return None;
    }
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = std::env::temp_dir().join(format!("gs-pdf-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
