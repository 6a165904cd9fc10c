#pragma once
// A height field z = f(x, y) on a regular grid, drawn as a coloured surface in a VtkView.
// The grid data is plain C++ so it can be computed off the GUI thread; only
// showHeightField() touches VTK (on the GUI thread).

#include <QString>

#include <vector>

namespace mowe::ui {

class VtkView;

/// Samples on a columns × rows grid over [xMin, xMax] × [yMin, yMax]:
/// heights[r * columns + c] = f(xMin + c·dx, yMin + r·dy), dx = (xMax − xMin)/(columns − 1).
struct HeightField {
    int columns = 0;
    int rows = 0;
    double xMin = 0.0, xMax = 1.0;
    double yMin = 0.0, yMax = 1.0;
    std::vector<double> heights;

    /// True when the sizes agree, the grid has at least 2 × 2 samples and the ranges are
    /// non-empty and finite.
    bool isValid() const;
};

struct SurfaceStyle {
    /// Shown above the colour bar.
    QString scalarTitle = QStringLiteral("z");
    /// Vertical exaggeration: z is drawn scaled so the surface's height is this fraction of
    /// its larger horizontal extent (0 keeps z as it is).
    double reliefFraction = 0.35;
    /// Adds a colour bar on the right.
    bool showColorBar = true;
};

/// Replaces everything in `view`'s renderer by the surface, coloured by height with a
/// perceptually ordered blue-to-red map, sets an oblique camera and requests a render.
/// Throws std::invalid_argument when `field` is not valid.
void showHeightField(VtkView &view, const HeightField &field, const SurfaceStyle &style = {});

} // namespace mowe::ui
