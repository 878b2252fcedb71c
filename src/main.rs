//! `payspec`: the command-line front end of the payspec clients.
//!
//! For now it reports its version and the providers it knows, with the API version
//! each generated client targets and the spec it was generated from.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use payspec_nopan::api::ClientInfo;
use payspec_nopan::core::ClientInner;

/// A provider the workspace has a client for.
struct Provider {
    name: &'static str,
    crate_name: &'static str,
    /// The API version of the spec the client was generated from (`info.version`).
    api_version: fn() -> &'static str,
    spec: &'static str,
}

const PROVIDERS: &[Provider] = &[
    Provider {
        name: "nopan",
        crate_name: "payspec-nopan",
        api_version: <payspec_nopan::api::Client as ClientInfo<ClientInner>>::api_version,
        spec: "specs/nopan.yaml",
    },
    Provider {
        name: "mobilepay",
        crate_name: "payspec-mobilepay",
        api_version: <payspec_mobilepay::api::Client as ClientInfo<ClientInner>>::api_version,
        spec: "specs/mobilepay.yaml",
    },
    Provider {
        name: "gopay",
        crate_name: "payspec-gopay",
        api_version: <payspec_gopay::api::Client as ClientInfo<ClientInner>>::api_version,
        spec: "specs/gopay.yaml",
    },
    Provider {
        name: "eastpay",
        crate_name: "payspec-eastpay",
        api_version: <payspec_eastpay::api::Client as ClientInfo<ClientInner>>::api_version,
        spec: "specs/eastpay.yaml",
    },
    Provider {
        name: "vaiipay",
        crate_name: "payspec-vaiipay",
        api_version: <payspec_vaiipay::api::Client as ClientInfo<ClientInner>>::api_version,
        spec: "specs/vaiipay.yaml",
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("providers") => {
            println!("payspec {}", env!("CARGO_PKG_VERSION"));
            println!(
                "{:<10} {:<20} {:<12} spec",
                "provider", "crate", "api version"
            );
            for p in PROVIDERS {
                println!(
                    "{:<10} {:<20} {:<12} {}",
                    p.name,
                    p.crate_name,
                    (p.api_version)(),
                    p.spec
                );
            }
            ExitCode::SUCCESS
        }
        Some("--version" | "-V" | "version") => {
            println!("payspec {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            println!("usage: payspec [providers | version | help]");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("payspec: unknown command `{other}`; try `payspec help`");
            ExitCode::from(2)
        }
    }
}
