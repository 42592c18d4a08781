#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| den_fuzz_targets::index_files(data));
