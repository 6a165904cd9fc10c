#pragma once
// The workbench's Hessian spectrum view, two modes:
//
//   Stem       the eigenvalues λ_k (ascending) of the selected iterate as a stem plot, x = k,
//              y = λ_k, stems from 0; negative eigenvalues in their own colour. For large
//              problems (only the Lanczos extremes known) the SLQ spectral density is drawn
//              as a curve, x = λ, y = density, with the extremes as stems below it.
//   Waterfall  every iterate at once in 3-D: x = eigenvalue index, y = iterate, z = λ (or
//              sign(λ)·log₁₀(1 + |λ|/λ₀) with the log-magnitude option, λ₀ = the smallest
//              non-zero |λ|), one polyline per iterate coloured by sign; the selected iterate
//              in the highlight colour.
// Plain-data scene; setScene() on the GUI thread. Camera keys from PlotView.

#include "vtk/PlotView.h"

#include <QString>

#include <memory>
#include <vector>

namespace mowe::ui {

struct SpectrumScene {
    enum class Mode { Stem, Waterfall };
    Mode mode = Mode::Stem;
    bool logMagnitude = false;
    /// Eigenvalues per iterate (ascending); an empty entry for an iterate that is not
    /// evaluable.
    std::vector<std::vector<double>> eigenvalues;
    int selected = 0;
    /// SLQ density at the selected iterate (large problems; empty otherwise).
    std::vector<double> densityGrid, density;
};

class SpectrumView : public PlotView {
    Q_OBJECT
public:
    explicit SpectrumView(QWidget *parent = nullptr);
    ~SpectrumView() override;

    /// Replaces the scene; the camera is reset when the mode changes or on the first scene.
    void setScene(const SpectrumScene &scene);
    bool hasScene() const;
    /// Number of stems drawn in each colour by the last stem scene (for tests).
    int negativeStems() const;
    int positiveStems() const;

    static QColor negativeColour();
    static QColor positiveColour();

protected:
    void obliqueDirection(double direction[3]) const override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace mowe::ui
