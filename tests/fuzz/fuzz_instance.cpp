// libFuzzer target: regression instance files (core/regression/instance.h) — JSON parsing,
// validation, then the problem built from it evaluated at its start point. Only the library's
// documented errors (RegressionError and its subclasses) may escape.
#include "regression/instance.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    namespace reg = mowe::regression;
    try {
        const auto instance =
            reg::parseInstance(std::string_view(reinterpret_cast<const char *>(data), size));
        const auto problem = reg::makeProblem(instance);
        const auto loss = problem->loss(instance.x);
        // The derivatives the solvers use, where the loss is defined; small dimensions only,
        // so that each input stays fast (the Hessian is p×p).
        if (loss.ok() && problem->dimension() <= 64) {
            (void)problem->gradient(instance.x);
            (void)problem->hessian(instance.x);
            (void)problem->hessianVector(instance.x, reg::Vector::Ones(problem->dimension()));
            (void)problem->split(instance.x);
        }
    } catch (const reg::RegressionError &) {
    }
    return 0;
}
