//! The 3-D Secure redirect of a pending payment: where the shopper goes, and how.

use payspec_eastpay_api::types;

/// How the shopper's browser must go to the redirect URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectMethod {
    /// A GET with the parameters in the query.
    Get,
    /// A POST of the parameters as a form.
    Post,
    /// A method this version does not know, as sent.
    Other(String),
}

/// A redirect the caller renders for the shopper (3-D Secure and other async flows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Where to send the shopper.
    pub url: String,
    /// How.
    pub method: RedirectMethod,
    /// The parameters to pass, in order.
    pub parameters: Vec<(String, String)>,
}

impl Redirect {
    /// The redirect of a payment result, if it has one with a URL.
    pub fn from_result(result: &types::PaymentResult) -> Option<Self> {
        let redirect = result.redirect.as_ref()?;
        let url = redirect.url.clone().filter(|u| !u.is_empty())?;
        let method = match redirect
            .method
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("GET") => RedirectMethod::Get,
            Some("POST") => RedirectMethod::Post,
            Some(other) => RedirectMethod::Other(other.to_string()),
        };
        let parameters = redirect
            .parameters
            .iter()
            .map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        Some(Self {
            url,
            method,
            parameters,
        })
    }

    /// An HTML form that sends the shopper on when the page loads; every value is
    /// escaped. Serve it as `text/html` for POST redirects (it works for GET too).
    pub fn html_form(&self) -> String {
        let method = match &self.method {
            RedirectMethod::Post => "post",
            _ => "get",
        };
        let mut html = format!(
            "<!doctype html><html><body onload=\"document.forms[0].submit()\"><form action=\"{}\" method=\"{method}\">",
            payspec_core::html::escape(&self.url)
        );
        for (name, value) in &self.parameters {
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                payspec_core::html::escape(name),
                payspec_core::html::escape(value)
            ));
        }
        html.push_str(
            "<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
        );
        html
    }
}
