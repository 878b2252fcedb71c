//! Nopan's reporting operations (`GET /reports`, `GET /reports/download`), added from
//! Nopan's published spec snapshot: the exact request on the wire, and the flow against
//! the sandbox (scope `data:reports`, the file of a period's payments).

mod common;

use chrono::{Duration, TimeZone, Utc};
use httpmock::prelude::*;
use payspec_nopan::{Amount, NewPayment, ReasonCode, Scope, open_enums::ReportType};
use payspec_nopan_sandbox::{Config, Sandbox};
use serde_json::json;

#[tokio::test]
async fn reports_are_searched_and_downloaded_as_published() {
    let server = MockServer::start_async().await;
    common::token_mock(&server);
    let search = server.mock(|when, then| {
        when.method(GET)
            .path("/reports")
            .query_param("from", "2026-11-01T00:00:00Z")
            .query_param("to", "2026-11-30T23:59:59Z")
            .header("authorization", format!("Bearer {}", common::TOKEN));
        then.status(200).json_body(json!({
            "files": [{
                "reportId": "7d0e4a52-1b8f-4c1e-9a77-3f2b6c5d8e90",
                "processingAccountId": "merchant",
                "reportType": "FEE_DETAILS",
                "periodStart": "2026-11-01T00:00:00Z",
                "periodEnd": "2026-11-30T23:59:59Z",
                "name": "FEE_DETAILS_merchant_20261201",
                "fileSize": 2048,
                "numberOfRecords": 17,
                "createdAt": "2026-12-01T06:00:00Z"
            }, {
                "reportId": "a1",
                "reportType": "QUARTERLY_SUMMARY"
            }],
            "totalCount": 2
        }));
    });
    let download = server.mock(|when, then| {
        when.method(GET)
            .path("/reports/download")
            .query_param("reportId", "7d0e4a52-1b8f-4c1e-9a77-3f2b6c5d8e90");
        then.status(200)
            .header("content-type", "text/csv")
            .body("a,b\n1,2\n");
    });
    let client = common::builder(&server.base_url()).build().unwrap();
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
    let list = client.search_reports(from, to).await.unwrap();
    assert_eq!(list.total_count, Some(2));
    assert_eq!(list.files[0].report_type, Some(ReportType::FeeDetails));
    assert_eq!(list.files[0].number_of_records, Some(17));
    // A report type Nopan adds later still parses.
    assert!(matches!(
        list.files[1].report_type,
        Some(ReportType::Unknown(_))
    ));
    let file = client
        .download_report("7d0e4a52-1b8f-4c1e-9a77-3f2b6c5d8e90")
        .await
        .unwrap();
    assert_eq!(&file[..], b"a,b\n1,2\n");
    assert_eq!(search.calls_async().await, 1);
    assert_eq!(download.calls_async().await, 1);

    // A backwards range never leaves the process.
    let error = client.search_reports(to, from).await.unwrap_err();
    assert!(
        matches!(error, payspec_nopan::Error::InvalidRequest(_)),
        "{error}"
    );
}

#[tokio::test]
async fn the_sandbox_reports_a_periods_payments_to_a_token_with_the_scope() {
    let sandbox = Sandbox::start(Config::default().seed(5)).await.unwrap();
    let client = sandbox
        .client_builder()
        .scope(Scope::DataReports)
        .build()
        .unwrap();
    let payment = client
        .initiate(NewPayment::blik("order-r", Amount::new(900).unwrap(), "123456").unwrap())
        .await
        .unwrap();
    let now = Utc::now();
    let (from, to) = (now - Duration::hours(1), now + Duration::hours(1));
    let list = client.search_reports(from, to).await.unwrap();
    assert_eq!(list.total_count, Some(2));
    let settlement = list
        .files
        .iter()
        .find(|f| f.report_type == Some(ReportType::Settlement))
        .unwrap();
    assert_eq!(settlement.number_of_records, Some(1));
    let id = settlement.report_id.clone().unwrap();
    let file = client.download_report(&id).await.unwrap();
    let text = String::from_utf8(file.to_vec()).unwrap();
    assert!(text.contains(&payment.transaction_id), "{text}");
    assert!(text.contains(",900,"), "{text}");
    // The same search finds the same reports.
    let again = client.search_reports(from, to).await.unwrap();
    assert!(
        again
            .files
            .iter()
            .any(|f| f.report_id.as_deref() == Some(&id))
    );
    // An earlier period has no payments.
    let old = client
        .search_reports(from - Duration::days(30), from - Duration::days(29))
        .await
        .unwrap();
    assert!(old.files.iter().all(|f| f.number_of_records == Some(0)));

    // Without data:reports the token is refused.
    let payments_only = sandbox.client_builder().build().unwrap();
    let error = payments_only.search_reports(from, to).await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::Forbidden), "{error}");
    let error = client.download_report("no-such-report").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::NotFound), "{error}");
    sandbox.shutdown().await;
}
