#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| textclf::fuzzing::model_file(data));
