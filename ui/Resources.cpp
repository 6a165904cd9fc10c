#include "Resources.h"

#include <QtGlobal>

#include <mutex>

// Q_INIT_RESOURCE must be used outside any namespace.
static void registerMoweResources() {
    Q_INIT_RESOURCE(resources);
}

namespace mowe::ui {

void initResources() {
    static std::once_flag once;
    std::call_once(once, registerMoweResources);
}

} // namespace mowe::ui
