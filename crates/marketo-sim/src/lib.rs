//! A local simulator of the Marketo REST API, for mkimport's tests (being
//! written).
