//! `#[db_test]`: a server test written once, run on both databases the server supports.
//!
//! ```ignore
//! #[db_test]
//! async fn the_last_method_cannot_be_deleted(db: Db) {
//!     let t = TestServer::start(db).await;
//!     …
//! }
//! ```
//! becomes the module `the_last_method_cannot_be_deleted` with two tests, `sqlite` and
//! `postgres`, each a `#[tokio::test]` calling the function with its database. The attribute's
//! arguments go to `tokio::test` (`#[db_test(flavor = "multi_thread", worker_threads = 4)]`).
//! The function's other attributes (doc comments, `cfg`) go on the module.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{parse_macro_input, ItemFn};

#[proc_macro_attribute]
pub fn db_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    let mut test = parse_macro_input!(item as ItemFn);
    if test.sig.asyncness.is_none() || test.sig.inputs.len() != 1 {
        return syn::Error::new(
            test.sig.span(),
            "#[db_test] takes `async fn name(db: Db)`: the test gets the database it runs on",
        )
        .to_compile_error()
        .into();
    }
    let name = test.sig.ident.clone();
    let attrs = std::mem::take(&mut test.attrs);
    test.sig.ident = format_ident!("run");
    test.vis = syn::Visibility::Inherited;
    let tokio_test = if args.is_empty() {
        quote!(#[::tokio::test])
    } else {
        quote!(#[::tokio::test(#args)])
    };
    quote! {
        #(#attrs)*
        mod #name {
            #[allow(unused_imports)]
            use super::*;

            #test

            #tokio_test
            async fn sqlite() {
                run(::twostep_testkit::Db::Sqlite).await
            }

            #tokio_test
            async fn postgres() {
                run(::twostep_testkit::Db::Postgres).await
            }
        }
    }
    .into()
}
