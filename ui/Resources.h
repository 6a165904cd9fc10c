#pragma once
// The compiled-in resources (resources/resources.qrc: icon, photo attributions) live in the
// static library mowe_ui; a static library's resource initialiser is dropped by the linker
// unless something references it, so code that reads ":/mowe/..." calls this first.

namespace mowe::ui {

/// Registers resources.qrc; idempotent and thread-safe.
void initResources();

} // namespace mowe::ui
