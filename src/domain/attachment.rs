//! Files attached to an advocacy issue: which kinds are accepted, read from the content
//! (the first bytes and, for office files, the archive inside), never from the name.

/// A kind of file an issue may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    /// Extensions a file of this kind may be named with.
    pub extensions: &'static [&'static str],
}

const ACCEPTED: &[Kind] = &[
    Kind {
        mime: "application/pdf",
        extensions: &["pdf"],
    },
    Kind {
        mime: "image/png",
        extensions: &["png"],
    },
    Kind {
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    Kind {
        mime: "image/gif",
        extensions: &["gif"],
    },
    Kind {
        mime: "image/webp",
        extensions: &["webp"],
    },
    Kind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    Kind {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    Kind {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
    },
    Kind {
        mime: "application/msword",
        extensions: &["doc"],
    },
    Kind {
        mime: "application/vnd.ms-excel",
        extensions: &["xls"],
    },
    Kind {
        mime: "application/vnd.ms-powerpoint",
        extensions: &["ppt"],
    },
    Kind {
        mime: "application/vnd.oasis.opendocument.text",
        extensions: &["odt"],
    },
    Kind {
        mime: "application/vnd.oasis.opendocument.spreadsheet",
        extensions: &["ods"],
    },
    Kind {
        mime: "application/vnd.oasis.opendocument.presentation",
        extensions: &["odp"],
    },
];

/// Why a file was refused; each is a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge,
    /// The content is not one of the accepted kinds (whatever the name says).
    UnknownType,
    /// The content is an accepted kind, but the name claims another.
    NameDisagrees,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::Empty => "attachments.empty",
            Refusal::TooLarge => "attachments.too_large",
            Refusal::UnknownType => "attachments.unknown_type",
            Refusal::NameDisagrees => "attachments.name_disagrees",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Refusal::Empty => "attachment_empty",
            Refusal::TooLarge => "attachment_too_large",
            Refusal::UnknownType => "attachment_type_not_accepted",
            Refusal::NameDisagrees => "attachment_type_disguised",
        }
    }
}

/// Checks a file and returns its kind. `max_bytes` is the configured limit.
pub fn check(filename: &str, content: &[u8], max_bytes: usize) -> Result<Kind, Refusal> {
    if content.is_empty() {
        return Err(Refusal::Empty);
    }
    if content.len() > max_bytes {
        return Err(Refusal::TooLarge);
    }
    let detected = infer::get(content).ok_or(Refusal::UnknownType)?;
    let kind = ACCEPTED
        .iter()
        .find(|k| k.mime == detected.mime_type())
        .copied()
        .ok_or(Refusal::UnknownType)?;
    let ext = extension(filename);
    if !ext.is_empty() && !kind.extensions.contains(&ext.as_str()) {
        return Err(Refusal::NameDisagrees);
    }
    Ok(kind)
}

fn extension(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() && ext.len() <= 8 => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The name to keep: the last path component, without control characters, at most 200
/// characters; a file with no usable name is called after its kind.
pub fn clean_filename(filename: &str, kind: Kind) -> String {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        return format!("attachment.{}", kind.extensions[0]);
    }
    let mut name: String = cleaned.chars().take(200).collect();
    if extension(&name).is_empty() {
        name.push('.');
        name.push_str(kind.extensions[0]);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(
            check("report.pdf", PDF, 1000).unwrap().mime,
            "application/pdf"
        );
        assert_eq!(check("photo.PNG", PNG, 1000).unwrap().mime, "image/png");
        // No extension at all is fine: the content decides.
        assert_eq!(check("scan", PDF, 1000).unwrap().mime, "application/pdf");
    }

    #[test]
    fn disguised_and_unknown_files_are_refused() {
        assert_eq!(check("report.pdf", EXE, 1000), Err(Refusal::UnknownType));
        assert_eq!(
            check("notes.pdf", b"just some text", 1000),
            Err(Refusal::UnknownType)
        );
        assert_eq!(check("photo.pdf", PNG, 1000), Err(Refusal::NameDisagrees));
        assert_eq!(
            check("x.html", b"<html><script>alert(1)</script>", 1000),
            Err(Refusal::UnknownType)
        );
    }

    #[test]
    fn size_is_limited() {
        assert_eq!(check("a.pdf", PDF, 10), Err(Refusal::TooLarge));
        assert_eq!(check("a.pdf", b"", 10), Err(Refusal::Empty));
    }

    #[test]
    fn names_are_cleaned() {
        let pdf = check("a.pdf", PDF, 1000).unwrap();
        assert_eq!(clean_filename("C:\\Users\\x\\报告.pdf", pdf), "报告.pdf");
        assert_eq!(clean_filename("../../etc/passwd", pdf), "passwd.pdf");
        assert_eq!(clean_filename("\"<a>\".pdf", pdf), "a.pdf");
        assert_eq!(clean_filename("", pdf), "attachment.pdf");
    }
}
