#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| den_fuzz_targets::script_metadata(data));
