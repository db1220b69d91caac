//! Comments are written in a small, safe subset of Markdown: paragraphs, emphasis,
//! lists, quotes, code, and links to web or mail addresses. The HTML is cleaned with
//! an allow-list (ammonia) after rendering, so script, styles, event handlers, images
//! and other schemes never reach a page.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "em",
        "strong",
        "del",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "a",
        "h3",
        "h4",
    ]);
    b.add_tag_attributes("a", ["href"]);
    b.url_schemes(HashSet::from(["http", "https", "mailto"]));
    b.link_rel(Some("nofollow noopener noreferrer"));
    b
});

/// Longest comment accepted, in characters.
pub const MAX_CHARS: usize = 10_000;

/// Markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(markdown, options);
    let mut raw = String::new();
    html::push_html(&mut raw, parser);
    sanitise(&raw)
}

/// HTML through the allow-list: what `render` applies to its output.
pub fn sanitise(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn ordinary_markdown_renders() {
        let html =
            render("**二十个**案例，见 [政策文件](https://example.gov.cn/doc)。\n\n- 一\n- 二");
        assert!(html.contains("<strong>二十个</strong>"));
        assert!(html.contains("<a href=\"https://example.gov.cn/doc\" rel=\"nofollow noopener noreferrer\">政策文件</a>"), "{html}");
        assert!(html.contains("<li>一</li>"));
    }

    #[test]
    fn script_and_dangerous_attributes_are_removed() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<p style=\"position:fixed\" onclick=\"alert(1)\">x</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "![img](https://evil.example/x.png)",
        ] {
            let html = render(hostile);
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "onclick",
                "style=",
                "<iframe",
                "<img",
            ] {
                assert!(!html.contains(bad), "{hostile} → {html}");
            }
        }
    }
}
