// Linked into every executable of a sanitizer build (MOWE_SANITIZE=ON): the tests, the fuzz
// targets and mowe-cli (which the CLI tests run). The sanitizer runtimes call these weak
// hooks at start-up, so the options hold however a test is started (ctest, by hand, a child
// process), and ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS in the environment still add to
// or override them.

// Stack-use-after-return and init-order checks cost little here and catch what the default
// misses; strict_string_checks makes strtod & co. check the whole string, not its prefix.
extern "C" const char *__asan_default_options() {
    return "detect_stack_use_after_return=1:check_initialization_order=1:"
           "strict_init_order=1:strict_string_checks=1:detect_leaks=1";
}

// A stack for every report (the build has -fno-sanitize-recover=undefined, so the first
// report ends the test).
extern "C" const char *__ubsan_default_options() {
    return "print_stacktrace=1:halt_on_error=1";
}

// Leak suppressions: none needed so far, for the torch-free core nor for the model tests that
// call into LibTorch (its libraries are not instrumented, but its heap goes through ASan's
// allocator, so a leak of ours inside a tensor would still be reported). Add one here only
// with a comment saying which library leaks what and why it is not ours (docs/fuzzing.md).
extern "C" const char *__lsan_default_suppressions() {
    return "";
}
