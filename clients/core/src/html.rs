//! HTML escaping, for the pages payspec renders (EastPay's 3-D Secure redirect form, the
//! sandboxes' payer pages).

/// `text` safe inside HTML text and inside a quoted attribute value.
///
/// ```
/// assert_eq!(payspec_core::html::escape("<a href=\"x\">'&'</a>"),
///            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
