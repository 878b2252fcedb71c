//! `Client` and its builder: base URL (tenant-specific, required), access token, entity
//! id; one method per operation, each answering a [`Transaction`].

use std::fmt;

use payspec_core::http::validate_base_url;
use payspec_core::{Auth, ClientOptions, ConfigError, ProviderProfile, RetryPolicy, Secret};
use payspec_eastpay_api::open_enums::{self, PaymentType};
use payspec_eastpay_api::types;

use crate::error::{Error, Result, outcome};
use crate::money::Money;
use crate::transaction::Transaction;

const PROFILE: ProviderProfile = ProviderProfile {
    form_charset_utf8: true,
    ..ProviderProfile::plain("eastpay")
};

/// Card details for a server-to-server payment. Number and CVV are secrets: redacted in
/// `Debug`, never logged, zeroized on drop.
#[derive(Clone)]
pub struct Card {
    number: Secret,
    holder: Option<String>,
    expiry_month: String,
    expiry_year: String,
    cvv: Secret,
}

impl Card {
    /// A card: number, expiry month (`01`..`12`) and year (`YYYY`), CVV. The gateway
    /// validates the number; the format of month and year is checked before sending.
    pub fn new(
        number: impl Into<Secret>,
        expiry_month: &str,
        expiry_year: &str,
        cvv: impl Into<Secret>,
    ) -> Self {
        Self {
            number: number.into(),
            holder: None,
            expiry_month: expiry_month.to_string(),
            expiry_year: expiry_year.to_string(),
            cvv: cvv.into(),
        }
    }

    /// The card holder's name.
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = Some(holder.into());
        self
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("number", &"[redacted]")
            .field("holder", &self.holder)
            .field(
                "expiry",
                &format_args!("{}/{}", self.expiry_month, self.expiry_year),
            )
            .field("cvv", &"[redacted]")
            .finish()
    }
}

/// `body` (a request builder) with the merchant's reference and URLs of `common`, each
/// checked against the spec's type (the builders differ, so this is a macro).
macro_rules! with_common {
    ($body:expr, $common:expr) => {{
        let mut body = $body;
        let common: &Common = $common;
        if let Some(id) = &common.merchant_transaction_id {
            body = body.merchant_transaction_id(Some(convert(
                "merchant_transaction_id",
                id.clone().try_into(),
            )?));
        }
        if let Some(url) = &common.shopper_result_url {
            body = body
                .shopper_result_url(Some(convert("shopper_result_url", url.clone().try_into())?));
        }
        if let Some(url) = &common.notification_url {
            body =
                body.notification_url(Some(convert("notification_url", url.clone().try_into())?));
        }
        body
    }};
}

/// Fields shared by payments and checkouts.
#[derive(Clone, Debug)]
struct Common {
    money: Money,
    payment_type: PaymentType,
    merchant_transaction_id: Option<String>,
    shopper_result_url: Option<String>,
    notification_url: Option<String>,
    custom: Vec<(String, String)>,
}

macro_rules! common_setters {
    () => {
        /// Your id for the transaction (8 to 255 characters).
        pub fn merchant_transaction_id(mut self, id: impl Into<String>) -> Self {
            self.common.merchant_transaction_id = Some(id.into());
            self
        }

        /// Where the shopper returns after an asynchronous step (6 to 2048 characters).
        pub fn shopper_result_url(mut self, url: impl Into<String>) -> Self {
            self.common.shopper_result_url = Some(url.into());
            self
        }

        /// Where the gateway sends the asynchronous result (6 to 2048 characters).
        pub fn notification_url(mut self, url: impl Into<String>) -> Self {
            self.common.notification_url = Some(url.into());
            self
        }

        /// A custom parameter, sent as `customParameters[<name>]` (name: letters, digits,
        /// underscore; up to 64).
        pub fn custom_parameter(
            mut self,
            name: impl Into<String>,
            value: impl Into<String>,
        ) -> Self {
            self.common.custom.push((name.into(), value.into()));
            self
        }
    };
}

impl Common {
    fn new(money: Money, payment_type: PaymentType) -> Self {
        Self {
            money,
            payment_type,
            merchant_transaction_id: None,
            shopper_result_url: None,
            notification_url: None,
            custom: Vec::new(),
        }
    }

    /// The payment type as the operation's own type: OPP allows each operation a few
    /// (checkout DB/PA, server-to-server PA/DB/CD, stored card PA/DB).
    fn kind<T: std::str::FromStr>(&self) -> Result<T>
    where
        T::Err: fmt::Display,
    {
        convert("payment_type", self.payment_type.as_str().parse::<T>())
    }

    fn custom_keys(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        for (name, value) in &self.custom {
            let ok = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(Error::InvalidRequest(format!(
                    "custom parameter name `{name}` must be 1-64 letters, digits or underscores"
                )));
            }
            out.insert(format!("customParameters[{name}]"), value.clone());
        }
        Ok(out)
    }
}

/// A server-to-server payment (`POST /v3/payments`).
#[derive(Clone, Debug)]
pub struct NewPayment {
    common: Common,
    brand: Option<String>,
    card: Option<Card>,
    create_registration: Option<bool>,
}

impl NewPayment {
    /// A debit (`DB`) of `money`.
    pub fn debit(money: Money) -> Self {
        Self {
            common: Common::new(money, PaymentType::Db),
            brand: None,
            card: None,
            create_registration: None,
        }
    }

    /// A pre-authorization (`PA`) of `money`, to capture later.
    pub fn preauthorization(money: Money) -> Self {
        Self {
            common: Common::new(money, PaymentType::Pa),
            brand: None,
            card: None,
            create_registration: None,
        }
    }

    /// Pays with a card of `brand` (VISA, MASTER, AMEX, ...).
    pub fn card(mut self, brand: impl Into<String>, card: Card) -> Self {
        self.brand = Some(brand.into());
        self.card = Some(card);
        self
    }

    /// Also stores the card: the result's [`Transaction::registration_id`] is its token.
    pub fn create_registration(mut self, create: bool) -> Self {
        self.create_registration = Some(create);
        self
    }

    common_setters!();
}

/// A hosted checkout (`POST /v3/checkouts`).
#[derive(Clone, Debug)]
pub struct NewCheckout {
    common: Common,
    create_registration: Option<bool>,
}

impl NewCheckout {
    /// A checkout for a debit (`DB`) of `money`.
    pub fn debit(money: Money) -> Self {
        Self {
            common: Common::new(money, PaymentType::Db),
            create_registration: None,
        }
    }

    /// A checkout for a pre-authorization (`PA`) of `money`.
    pub fn preauthorization(money: Money) -> Self {
        Self {
            common: Common::new(money, PaymentType::Pa),
            create_registration: None,
        }
    }

    /// Also store the payment data for later payments.
    pub fn create_registration(mut self, create: bool) -> Self {
        self.create_registration = Some(create);
        self
    }

    common_setters!();
}

/// A payment moves at least one minor unit (a `Money` of zero is an answer's value, never
/// a request's).
fn positive(money: &Money) -> Result<()> {
    match money.minor() {
        0 => Err(Error::InvalidRequest(format!(
            "amount: must be at least 1 minor unit, got 0 {}",
            money.currency()
        ))),
        _ => Ok(()),
    }
}

/// A value converted to the spec's type for `field`, or an error that names the field.
fn convert<T, E: fmt::Display>(field: &str, value: std::result::Result<T, E>) -> Result<T> {
    value.map_err(|e| Error::InvalidRequest(format!("{field}: {e}")))
}

/// An EastPay client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    api: payspec_eastpay_api::Client,
    entity_id: types::EntityId,
    base_url: String,
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated client: every operation with all its options.
    pub fn api(&self) -> &payspec_eastpay_api::Client {
        &self.api
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn answer(
        call: impl std::future::Future<
            Output = std::result::Result<
                progenitor_client::ResponseValue<types::PaymentResult>,
                crate::error::ApiError,
            >,
        >,
    ) -> Result<Transaction> {
        match call.await {
            Ok(response) => {
                let status = response.status().as_u16();
                Ok(Transaction::new(response.into_inner(), status))
            }
            Err(error) => outcome(error),
        }
    }

    /// `POST /v3/checkouts`: the answer's id opens the payment page.
    pub async fn create_checkout(&self, checkout: NewCheckout) -> Result<Transaction> {
        let c = &checkout.common;
        positive(&c.money)?;
        let body = types::CheckoutRequest::builder()
            .entity_id(self.entity_id.clone())
            .amount(c.money.to_decimal())
            .currency(c.money.currency())
            .payment_type(c.kind::<open_enums::CheckoutPaymentType>()?)
            .create_registration(checkout.create_registration)
            .extra(c.custom_keys()?);
        let body = with_common!(body, c);
        let reference = c.merchant_transaction_id.clone();
        Self::answer(self.api.create_checkout().body(body).send())
            .await
            .map_err(|e| e.with_reference(reference))
    }

    /// `GET /v3/checkouts/{id}/payment`: the result once the shopper returns.
    pub async fn get_checkout_payment(&self, checkout_id: &str) -> Result<Transaction> {
        let call = self
            .api
            .get_checkout_payment()
            .id(checkout_id)
            .entity_id(self.entity_id.clone());
        Self::answer(call.send()).await
    }

    /// `POST /v3/payments`: a server-to-server payment. A decline comes back as a
    /// [`Transaction`] whose class is a rejection; a malformed request as
    /// [`Error::Validation`].
    pub async fn create_payment(&self, payment: NewPayment) -> Result<Transaction> {
        let c = &payment.common;
        positive(&c.money)?;
        let mut body = types::PaymentRequest::builder()
            .entity_id(self.entity_id.clone())
            .amount(c.money.to_decimal())
            .currency(c.money.currency())
            .payment_type(c.kind::<open_enums::ServerPaymentType>()?)
            .extra(c.custom_keys()?);
        if let Some(brand) = &payment.brand {
            body = body.payment_brand(Some(convert("payment_brand", brand.clone().try_into())?));
        }
        if let Some(card) = &payment.card {
            body = body
                .card_number(Some(card.number.clone()))
                .card_cvv(Some(card.cvv.clone()))
                .card_expiry_month(Some(convert(
                    "card.expiry_month",
                    card.expiry_month.clone().try_into(),
                )?))
                .card_expiry_year(Some(convert(
                    "card.expiry_year",
                    card.expiry_year.clone().try_into(),
                )?));
            if let Some(holder) = &card.holder {
                body = body.card_holder(Some(convert("card.holder", holder.clone().try_into())?));
            }
        }
        let mut body = with_common!(body, c);
        if let Some(create) = payment.create_registration {
            body = body.create_registration(Some(create));
        }
        let reference = c.merchant_transaction_id.clone();
        Self::answer(self.api.create_payment().body(body).send())
            .await
            .map_err(|e| e.with_reference(reference))
    }

    /// `POST /v3/registrations`: stores a card of `brand` (VISA, MASTER, ...) without
    /// paying (OPP tokenization). The answer's [`Transaction::id`] is the registration:
    /// pay with it by [`Client::pay_with_registration`], delete it by
    /// [`Client::delete_registration`]. (A payment can also store its card:
    /// [`NewPayment::create_registration`].)
    pub async fn create_registration(&self, brand: &str, card: Card) -> Result<Transaction> {
        let mut body = types::RegistrationRequest::builder()
            .entity_id(self.entity_id.clone())
            .extra(std::collections::BTreeMap::new())
            .payment_brand(convert::<types::PaymentBrand, _>(
                "payment_brand",
                brand.to_string().try_into(),
            )?)
            .card_number(card.number.clone())
            .card_cvv(Some(card.cvv.clone()))
            .card_expiry_month(convert::<types::RegistrationRequestCardExpiryMonth, _>(
                "card.expiry_month",
                card.expiry_month.clone().try_into(),
            )?)
            .card_expiry_year(convert::<types::RegistrationRequestCardExpiryYear, _>(
                "card.expiry_year",
                card.expiry_year.clone().try_into(),
            )?);
        if let Some(holder) = &card.holder {
            body = body.card_holder(Some(convert("card.holder", holder.clone().try_into())?));
        }
        Self::answer(self.api.create_registration().body(body).send()).await
    }

    /// `POST /v3/registrations/{id}/payments`: a debit or pre-authorization with a
    /// stored card. The payment names no card: one given with [`NewPayment::card`] (or
    /// asking to store its card) is refused before sending.
    pub async fn pay_with_registration(
        &self,
        registration_id: &str,
        payment: NewPayment,
    ) -> Result<Transaction> {
        if payment.card.is_some()
            || payment.brand.is_some()
            || payment.create_registration.is_some()
        {
            return Err(Error::InvalidRequest(
                "a payment with a stored card names no card: drop `card` and `create_registration`"
                    .into(),
            ));
        }
        let c = &payment.common;
        positive(&c.money)?;
        let body = types::RegistrationPaymentRequest::builder()
            .entity_id(self.entity_id.clone())
            .amount(c.money.to_decimal())
            .currency(c.money.currency())
            .payment_type(c.kind::<open_enums::RegistrationPaymentType>()?)
            .extra(c.custom_keys()?);
        let body = with_common!(body, c);
        let reference = c.merchant_transaction_id.clone();
        let call = self
            .api
            .create_registration_payment()
            .id(registration_id)
            .body(body)
            .send();
        Self::answer(call)
            .await
            .map_err(|e| e.with_reference(reference))
    }

    /// `DELETE /v3/registrations/{id}`: deletes a stored card.
    pub async fn delete_registration(&self, registration_id: &str) -> Result<Transaction> {
        let call = self
            .api
            .delete_registration()
            .id(registration_id)
            .entity_id(self.entity_id.clone());
        Self::answer(call.send()).await
    }

    async fn backoffice(
        &self,
        payment_id: &str,
        kind: PaymentType,
        money: Option<&Money>,
    ) -> Result<Transaction> {
        let kind: open_enums::BackofficePaymentType =
            convert("payment_type", kind.as_str().parse())?;
        let mut body = types::BackofficeRequest::builder()
            .entity_id(self.entity_id.clone())
            .payment_type(kind);
        if let Some(money) = money {
            positive(money)?;
            body = body
                .amount(Some(convert("amount", money.to_decimal().try_into())?))
                .currency(Some(convert("currency", money.currency().try_into())?));
        }
        Self::answer(
            self.api
                .create_backoffice_operation()
                .id(payment_id)
                .body(body)
                .send(),
        )
        .await
    }

    /// Captures (`CP`) `money` of a pre-authorization.
    pub async fn capture(&self, payment_id: &str, money: &Money) -> Result<Transaction> {
        self.backoffice(payment_id, PaymentType::Cp, Some(money))
            .await
    }

    /// Refunds (`RF`) `money` of a debit or capture.
    pub async fn refund(&self, payment_id: &str, money: &Money) -> Result<Transaction> {
        self.backoffice(payment_id, PaymentType::Rf, Some(money))
            .await
    }

    /// Reverses (`RV`) a pre-authorization or a debit not yet settled.
    pub async fn reverse(&self, payment_id: &str) -> Result<Transaction> {
        self.backoffice(payment_id, PaymentType::Rv, None).await
    }

    /// `GET /v3/payments/{id}`.
    pub async fn get_payment(&self, payment_id: &str) -> Result<Transaction> {
        Self::answer(
            self.api
                .get_payment()
                .id(payment_id)
                .entity_id(self.entity_id.clone())
                .send(),
        )
        .await
    }

    /// `GET /v3/query?merchantTransactionId=...`: the transactions sent with the merchant's
    /// own reference. This is how a payment whose answer was lost is reconciled
    /// ([`CallFailure::outcome_unknown`](payspec_core::CallFailure::outcome_unknown), [`CallFailure::merchant_reference`](payspec_core::CallFailure::merchant_reference)): an empty list says no
    /// transaction carries the reference, so the payment can be sent again; otherwise
    /// the list says what became of it.
    pub async fn find_transactions(
        &self,
        merchant_transaction_id: &str,
    ) -> Result<Vec<Transaction>> {
        let answer = self
            .api
            .find_transactions()
            .entity_id(self.entity_id.clone())
            .merchant_transaction_id(merchant_transaction_id)
            .send()
            .await;
        match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                Ok(response
                    .into_inner()
                    .payments
                    .into_iter()
                    .map(|payment| Transaction::new(payment, status))
                    .collect())
            }
            Err(error) => Err(Error::from(error)),
        }
    }

    /// `GET /v3/query/{id}`: the Inquiry API.
    pub async fn query_transaction(&self, id: &str) -> Result<Transaction> {
        Self::answer(
            self.api
                .query_transaction()
                .id(id)
                .entity_id(self.entity_id.clone())
                .send(),
        )
        .await
    }
}

/// Builds a [`Client`]; [`ClientBuilder::build`] checks every part.
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    access_token: Option<Secret>,
    entity_id: Option<String>,
    options: ClientOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .field("entity_id", &self.entity_id)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientBuilder {
    payspec_core::client_options_methods!();

    /// The tenant's base URL, e.g. `https://<tenant>.sandbox.efaka.net/gateway` (required:
    /// hosts are tenant-specific).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The access token from the back office (required).
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The entity id of the merchant channel (required; sent on every call).
    pub fn entity_id(mut self, id: impl Into<String>) -> Self {
        self.entity_id = Some(id.into());
        self
    }

    /// Checks every part and builds the client.
    pub fn build(self) -> Result<Client> {
        let base = self.base_url.ok_or(ConfigError::Missing(
            "base URL (EastPay hosts are tenant-specific)",
        ))?;
        let base_url = validate_base_url(&base)?;
        let token = self
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or(ConfigError::Missing("access token"))?;
        let entity_id = self.entity_id.ok_or(ConfigError::Missing("entity id"))?;
        let entity_id =
            types::EntityId::try_from(entity_id.as_str()).map_err(|_| ConfigError::Invalid {
                name: "entity id",
                reason: "must be 1 to 32 letters or digits".into(),
            })?;
        let http = self.options.http_client(None)?;
        let inner = self
            .options
            .inner(PROFILE, Auth::Bearer(token), RetryPolicy::default());
        let api = payspec_eastpay_api::Client::new_with_client(&base_url, http, inner);
        Ok(Client {
            api,
            entity_id,
            base_url,
        })
    }
}
