//! The pages a provider sends the payer to (an approval page, 3-D Secure, a checkout),
//! as plain server-rendered HTML: no outside assets, and no script but what a framed
//! page uses to talk with the merchant's page that frames it ([`ToParent`],
//! [`FrameProtocol`]), so they work offline and in any browser. Each page shows what is being paid and one button per choice a tester
//! needs; the button posts the choice back to the same URL, the provider's sandbox moves
//! the payment and answers `303 See Other` to the merchant's return URL.

use crate::{Request, Response};

/// Where the payer's pages are, on the sandbox's root (outside the API's base path).
pub const PREFIX: &str = "/payer/";

/// One choice on a page: the value posted as `choice`, and the button's label.
pub type Choice = (&'static str, &'static str);

/// A page titled `title`, listing `facts` (label, value) and a button per `choice`.
pub fn page(title: &str, facts: &[(&str, String)], choices: &[Choice]) -> Response {
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body>\n<h1>{title}</h1>\n<dl>\n",
        title = escape(title)
    );
    for (label, value) in facts {
        html.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</dl>\n<form method=\"post\">\n");
    for (value, label) in choices {
        html.push_str(&format!(
            "<button type=\"submit\" name=\"choice\" value=\"{}\">{}</button>\n",
            escape(value),
            escape(label)
        ));
    }
    html.push_str("</form>\n<p>payspec sandbox: no real money moves.</p>\n</body></html>\n");
    Response::html(200, html)
}

/// A page saying that the payment is no longer waiting for the payer.
pub fn done(title: &str, state: &str) -> Response {
    Response::html(
        409,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
             <body><h1>{t}</h1><p>This payment is {s}: there is nothing left to choose.</p></body></html>\n",
            t = escape(title),
            s = escape(state)
        ),
    )
}

/// The answer for a page that does not exist.
pub fn not_found() -> Response {
    Response::html(
        404,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>\
         <body><h1>Not found</h1><p>No payment waits for the payer here.</p></body></html>\n"
            .into(),
    )
}

/// The choice a POST made, when it is one of `choices`.
pub fn chosen(request: &Request, choices: &[Choice]) -> Option<&'static str> {
    let posted = request
        .form()
        .into_iter()
        .find(|(name, _)| name == "choice")
        .map(|(_, value)| value)?;
    choices
        .iter()
        .map(|(value, _)| *value)
        .find(|value| *value == posted)
}

/// `303 See Other` to the merchant's `url` with `params` added to its query.
pub fn redirect_back(url: &str, params: &[(&str, &str)]) -> Response {
    Response::redirect(&with_query(url, params))
}

/// `url` with `params` added to its query (percent-encoded); `url` unchanged when it is
/// not an absolute URL.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            {
                let mut query = parsed.query_pairs_mut();
                for (name, value) in params {
                    query.append_pair(name, value);
                }
            }
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// `text` safe inside HTML text and attribute values.
pub use payspec_core::html::escape;

/// One input of a [`form_page`].
#[derive(Debug, Clone, Copy)]
pub struct Input {
    /// The name the form posts it under.
    pub name: &'static str,
    /// Its label.
    pub label: &'static str,
    /// The `autocomplete` token browsers fill it from (`cc-number`, `cc-exp-month`, ...).
    pub autocomplete: &'static str,
    /// The HTML `pattern` its value must match (anchored at both ends, as HTML does).
    pub pattern: &'static str,
    /// The field's name in the errors a [`FrameProtocol`] reports (several inputs may
    /// share one: GoPay's `expiry` is a month and a year).
    pub reported_as: &'static str,
}

/// A message a framed page posts to the page that frames it (`window.parent`), and only
/// to that page's `origin`: what a provider's hosted field (a card form in an iframe)
/// does to hand its result to the merchant's page.
#[derive(Debug, Clone)]
pub struct ToParent {
    /// The parent page's origin (`scheme://host[:port]`), the only one the message goes
    /// to; anything that is not an http(s) origin sends nothing.
    pub origin: String,
    /// The message (posted as a structured object).
    pub message: serde_json::Value,
}

impl ToParent {
    /// The `<script>` that posts the message when the page is framed: the origin and the
    /// message as JSON, with `<` escaped so that nothing in them can close the script.
    fn script(&self) -> String {
        let Some(origin) = parent_origin(&self.origin) else {
            return String::new();
        };
        format!(
            "<script>if (window.parent !== window) {{ window.parent.postMessage({}, {}); }}</script>\n",
            script_json(&self.message),
            script_json(&serde_json::Value::String(origin))
        )
    }
}

/// How a hosted form in a frame (a card form) talks with the merchant's page that frames
/// it, in the provider's message names. The form posts `on_load` when it loads, then:
/// - [`FrameMessages::init`] from the parent with `"submitMode": "external"` hides the
///   form's own button: the parent submits with [`FrameMessages::submit`] and is told
///   [`FrameMessages::validity`] (`isValid`) whenever it changes;
/// - every validation run (each keystroke) posts [`FrameMessages::errors`]: `errors` is
///   a list of `{field, code}`, `code` `required` or `pattern`, never a value typed;
/// - [`FrameMessages::height`] (`height`, in px) tells the parent how tall to make it.
///
/// Messages go to `origin` only, and only messages from the parent window at that origin
/// are read. Other messages the provider defines (themes, locales) are read and ignored:
/// a sandbox does not need to look like the provider.
#[derive(Debug, Clone)]
pub struct FrameProtocol {
    /// The parent page's origin (`scheme://host[:port]`); anything that is not an http(s)
    /// origin gets no script at all.
    pub origin: String,
    /// Messages posted when the page loads, in order.
    pub on_load: Vec<serde_json::Value>,
    /// The provider's message names.
    pub names: FrameMessages,
}

/// The `type`s of a [`FrameProtocol`]'s messages.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FrameMessages {
    /// From the parent: the form's settings (`submitMode`).
    pub init: &'static str,
    /// From the parent: submit the form (external submit mode).
    pub submit: &'static str,
    /// To the parent: whether the form is valid, when that changes (external mode).
    pub validity: &'static str,
    /// To the parent: the fields that fail validation, on every validation run.
    pub errors: &'static str,
    /// To the parent: the page's height in px.
    pub height: &'static str,
}

/// The parent's origin, when `origin` is an http(s) URL.
fn parent_origin(origin: &str) -> Option<String> {
    url::Url::parse(origin)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(|url| url.origin().ascii_serialization())
}

/// `value` as JSON that cannot close a `<script>`.
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

impl FrameProtocol {
    /// The static script of `frame.js`, given its settings as JSON.
    fn script(&self) -> String {
        let Some(origin) = parent_origin(&self.origin) else {
            return String::new();
        };
        let config = serde_json::json!({
            "origin": origin,
            "onLoad": self.on_load,
            "names": self.names,
        });
        format!(
            "<script>\n{}({});\n</script>\n",
            include_str!("frame.js").trim_end(),
            script_json(&config)
        )
    }
}

/// A page with a form of `inputs` posted back to the same URL (query included) with the
/// button `submit`; `problem`, when set, is shown above the form (a value refused).
/// `frame`, when set, is how the form talks with the page that frames it.
pub fn form_page(
    title: &str,
    inputs: &[Input],
    submit: &str,
    problem: Option<&str>,
    frame: Option<&FrameProtocol>,
) -> Response {
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body>\n<h1>{title}</h1>\n",
        title = escape(title)
    );
    if let Some(problem) = problem {
        html.push_str(&format!("<p role=\"alert\">{}</p>\n", escape(problem)));
    }
    html.push_str("<form method=\"post\">\n");
    for input in inputs {
        html.push_str(&format!(
            "<p><label>{} <input name=\"{}\" autocomplete=\"{}\" inputmode=\"numeric\" pattern=\"{}\" data-report=\"{}\" required></label></p>\n",
            escape(input.label),
            escape(input.name),
            escape(input.autocomplete),
            escape(input.pattern),
            escape(input.reported_as)
        ));
    }
    html.push_str(&format!(
        "<button type=\"submit\">{}</button>\n</form>\n",
        escape(submit)
    ));
    if let Some(frame) = frame {
        html.push_str(&frame.script());
    }
    html.push_str("<p>payspec sandbox: no real money moves.</p>\n</body></html>\n");
    Response::html(if problem.is_some() { 422 } else { 200 }, html)
}

/// A page showing a `result` (in an `<output id="result">`), posting `to_parent` to the
/// framing page.
pub fn result_page(title: &str, result: &str, to_parent: Option<&ToParent>) -> Response {
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{t}</title></head><body>\n<h1>{t}</h1>\n<output id=\"result\">{r}</output>\n",
        t = escape(title),
        r = escape(result)
    );
    if let Some(to_parent) = to_parent {
        html.push_str(&to_parent.script());
    }
    html.push_str("</body></html>\n");
    Response::html(200, html)
}

/// The rest of a request's path after `/payer/<provider>/`, when it is one of that
/// provider's pages.
pub fn payer_path<'a>(request: &'a Request, provider: &str) -> Option<&'a str> {
    request
        .path
        .strip_prefix(PREFIX)?
        .strip_prefix(provider)?
        .strip_prefix('/')
}

/// The `Amount` fact every page shows: minor units and currency.
pub fn amount_fact(amount: impl std::fmt::Display, currency: &str) -> (&'static str, String) {
    ("Amount", format!("{amount} (minor units) {currency}"))
}

/// A payer page for one payment, as every sandbox serves it.
#[derive(Debug)]
pub struct PayerPage<'a> {
    /// The page's title.
    pub title: &'a str,
    /// `None` while the payment waits for the payer; else the state it is in.
    pub settled: Option<&'a str>,
    /// What the page lists (label, value).
    pub facts: Vec<(&'a str, String)>,
    /// A button per choice.
    pub choices: &'static [Choice],
}

impl PayerPage<'_> {
    /// The usual flow: a payment that no longer waits answers [`done`]; a POST of one of
    /// the choices is applied by `settle`, whose answer is marked as a change of state;
    /// anything else (a GET, or the provider's own redirect POST, as a 3-D Secure
    /// `PaReq`) shows the page. `None` when `settle` finds nothing to settle.
    pub fn serve(
        &self,
        request: &Request,
        settle: impl FnOnce(&'static str) -> Option<Response>,
    ) -> Option<Response> {
        if let Some(state) = self.settled {
            return Some(done(self.title, state));
        }
        match chosen(request, self.choices) {
            Some(choice) => settle(choice).map(Response::state_changed),
            None => Some(page(self.title, &self.facts, self.choices)),
        }
    }
}

/// Where the payer goes once the payment is settled: back to the merchant's `url` with
/// `params` ([`redirect_back`]), or, without one, the page saying the payment is `state`.
pub fn back_or_done(
    url: Option<&str>,
    params: &[(&str, &str)],
    title: &str,
    state: &str,
) -> Response {
    match url {
        Some(url) => redirect_back(url, params),
        None => done(title, state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_to_the_parent_goes_to_its_origin_only_and_cannot_close_the_script() {
        let to_parent = |origin: &str| ToParent {
            origin: origin.into(),
            message: serde_json::json!({"type": "T", "value": "</script><script>alert(1)"}),
        };
        let script = to_parent("http://127.0.0.1:8080/shop?x=1").script();
        assert!(
            script.contains(r#", "http://127.0.0.1:8080");"#),
            "{script}"
        );
        assert!(!script.contains("</script><script>"), "{script}");
        assert_eq!(script.matches("</script>").count(), 1, "{script}");
        for refused in ["*", "javascript:alert(1)", "", "file:///etc/passwd"] {
            assert_eq!(to_parent(refused).script(), "", "{refused}");
        }
        let page = form_page("Card <form>", &[INPUT], "Pay", Some("bad <number>"), None);
        assert_eq!(page.status(), 422);
        let html = String::from_utf8_lossy(page.body()).into_owned();
        assert!(html.contains("Card &lt;form&gt;") && html.contains("bad &lt;number&gt;"));
        assert!(html.contains(
            r#"name="card_pan" autocomplete="cc-number" inputmode="numeric" pattern="[0-9]{12,19}" data-report="pan" required"#
        ));
        assert!(!html.contains("<script"));
    }

    const INPUT: Input = Input {
        name: "card_pan",
        label: "Card number",
        autocomplete: "cc-number",
        pattern: "[0-9]{12,19}",
        reported_as: "pan",
    };

    #[test]
    fn a_framed_form_talks_to_its_parent_origin_only_and_cannot_close_the_script() {
        let frame = |origin: &str| FrameProtocol {
            origin: origin.into(),
            on_load: vec![serde_json::json!({"type": "READY", "x": "</script><b>"})],
            names: FrameMessages {
                init: "INIT",
                submit: "SUBMIT",
                validity: "VALIDITY",
                errors: "ERRORS",
                height: "HEIGHT",
            },
        };
        let page = form_page(
            "Card",
            &[INPUT],
            "Pay",
            None,
            Some(&frame("https://shop.example:8443/checkout")),
        );
        let html = String::from_utf8_lossy(page.body()).into_owned();
        assert_eq!(html.matches("<script>").count(), 1, "{html}");
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        assert!(
            html.contains(r#""origin":"https://shop.example:8443""#),
            "{html}"
        );
        assert!(html.contains(r#""init":"INIT""#) && html.contains(r#""submit":"SUBMIT""#));
        assert!(html.contains(r#"\u003c/script>"#), "{html}");
        // Where it posts: the configured origin, never "*".
        assert!(
            !html.contains(r#"'*'"#) && !html.contains(r#""*""#),
            "{html}"
        );
        for refused in ["*", "javascript:alert(1)", "", "data:text/html,x"] {
            let page = form_page("Card", &[INPUT], "Pay", None, Some(&frame(refused)));
            let html = String::from_utf8_lossy(page.body()).into_owned();
            assert!(!html.contains("<script"), "{refused}: {html}");
        }
    }

    #[test]
    fn pages_escape_what_they_show_and_queries_are_encoded() {
        let page = page(
            "Pay <shop>",
            &[("Reference", "a\"b&c".to_string())],
            &[("approve", "Approve")],
        );
        let html = String::from_utf8_lossy(page.body()).into_owned();
        assert!(html.contains("Pay &lt;shop&gt;"));
        assert!(html.contains("a&quot;b&amp;c"));
        assert!(html.contains("value=\"approve\""));
        assert!(!html.contains("<script"));
        assert_eq!(
            with_query("https://shop.example/back?x=1", &[("id", "a b&c")]),
            "https://shop.example/back?x=1&id=a+b%26c"
        );
        assert_eq!(with_query("not a url", &[("id", "1")]), "not a url");
    }
}
