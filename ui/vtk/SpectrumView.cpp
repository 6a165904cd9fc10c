#include "vtk/SpectrumView.h"

#include "vtk/LandscapeView.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkCubeAxesActor.h>
#include <vtkGlyph3D.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mowe::ui {

namespace {

void plainText(vtkTextProperty *text, int size) {
    text->ItalicOff();
    text->ShadowOff();
    text->BoldOff();
    text->SetFontSize(size);
    text->SetColor(0.92, 0.92, 0.92);
}

void setRgb(vtkUnsignedCharArray *colours, const QColor &c) {
    colours->InsertNextTuple3(c.red(), c.green(), c.blue());
}

// A plot box of this width and height in world units, whatever the data ranges: the axes
// actor labels the real values.
constexpr double kWidth = 3.0;
constexpr double kHeight = 2.0;
constexpr double kDepth = 2.0;

} // namespace

struct SpectrumView::Impl {
    bool hasScene = false;
    SpectrumScene::Mode mode = SpectrumScene::Mode::Stem;
    int negative = 0, positive = 0;
};

SpectrumView::SpectrumView(QWidget *parent)
    : PlotView(parent)
    , d(std::make_unique<Impl>()) {
}

SpectrumView::~SpectrumView() = default;

QColor SpectrumView::negativeColour() {
    return QColor(235, 80, 60);
}

QColor SpectrumView::positiveColour() {
    return QColor(90, 160, 255);
}

bool SpectrumView::hasScene() const {
    return d->hasScene;
}

int SpectrumView::negativeStems() const {
    return d->negative;
}

int SpectrumView::positiveStems() const {
    return d->positive;
}

void SpectrumView::obliqueDirection(double direction[3]) const {
    if (d->mode == SpectrumScene::Mode::Stem) {
        // The stem plot is flat: look straight at it.
        direction[0] = 0.0;
        direction[1] = 0.0;
        direction[2] = 1.0;
        return;
    }
    direction[0] = 0.9;
    direction[1] = -0.9;
    direction[2] = 0.7;
}

void SpectrumView::setScene(const SpectrumScene &scene) {
    const bool modeChanged = !d->hasScene || scene.mode != d->mode;
    d->mode = scene.mode;
    d->negative = d->positive = 0;
    vtkRenderer *renderer = this->renderer();
    renderer->RemoveAllViewProps();

    auto mapValue = [&](double v, double floor) {
        if (!scene.logMagnitude)
            return v;
        const double m = std::log10(1.0 + std::abs(v) / floor);
        return v < 0 ? -m : m;
    };
    // λ₀ for the log-magnitude map: the smallest non-zero |λ| anywhere.
    double floor = std::numeric_limits<double>::infinity();
    for (const auto &values : scene.eigenvalues)
        for (double v : values)
            if (v != 0.0)
                floor = std::min(floor, std::abs(v));
    if (!std::isfinite(floor))
        floor = 1.0;

    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> lines;
    vtkNew<vtkUnsignedCharArray> colours;
    colours->SetNumberOfComponents(3);
    colours->SetName("colour");
    vtkNew<vtkPoints> dots;
    vtkNew<vtkUnsignedCharArray> dotColours;
    dotColours->SetNumberOfComponents(3);
    double xRange[2] = {0.0, 1.0}, yRange[2] = {0.0, 1.0}, zRange[2] = {0.0, 0.0};
    const QColor highlight = LandscapeView::highlightColour();
    QString xTitle, yTitle, zTitle;

    const int selected =
        std::clamp(scene.selected, 0, std::max(0, int(scene.eigenvalues.size()) - 1));
    const std::vector<double> empty;
    const std::vector<double> &values =
        scene.eigenvalues.empty() ? empty : scene.eigenvalues[std::size_t(selected)];

    if (scene.mode == SpectrumScene::Mode::Stem && !scene.density.empty()) {
        // Large problem: the SLQ density curve over λ, the known extremes as stems.
        const auto &g = scene.densityGrid;
        double dMax = *std::max_element(scene.density.begin(), scene.density.end());
        if (!(dMax > 0))
            dMax = 1.0;
        xRange[0] = g.front();
        xRange[1] = g.back();
        for (double v : values) {
            xRange[0] = std::min(xRange[0], v);
            xRange[1] = std::max(xRange[1], v);
        }
        if (!(xRange[1] > xRange[0]))
            xRange[1] = xRange[0] + 1.0;
        yRange[1] = dMax;
        auto X = [&](double l) { return (l - xRange[0]) / (xRange[1] - xRange[0]) * kWidth; };
        std::vector<vtkIdType> curve;
        for (std::size_t i = 0; i < g.size(); ++i)
            curve.push_back(points->InsertNextPoint(X(g[i]), scene.density[i] / dMax * kHeight, 0));
        lines->InsertNextCell(vtkIdType(curve.size()), curve.data());
        setRgb(colours, QColor(220, 220, 220));
        for (double v : values) {
            const vtkIdType a = points->InsertNextPoint(X(v), 0.0, 0.0);
            const vtkIdType b = points->InsertNextPoint(X(v), 0.25 * kHeight, 0.0);
            const vtkIdType seg[2] = {a, b};
            lines->InsertNextCell(2, seg);
            const QColor c = v < 0 ? negativeColour() : positiveColour();
            setRgb(colours, c);
            (v < 0 ? d->negative : d->positive)++;
        }
        xTitle = QStringLiteral("eigenvalue");
        yTitle = QStringLiteral("SLQ density");
    } else if (scene.mode == SpectrumScene::Mode::Stem) {
        const int count = int(values.size());
        double lo = 0.0, hi = 0.0;
        for (double v : values) {
            lo = std::min(lo, mapValue(v, floor));
            hi = std::max(hi, mapValue(v, floor));
        }
        if (!(hi > lo))
            hi = lo + 1.0;
        // Half an index of margin at each end so the first and last stems clear the axes.
        xRange[0] = -0.5;
        xRange[1] = std::max(1, count) - 0.5;
        yRange[0] = lo;
        yRange[1] = hi;
        auto X = [&](int k) { return (k + 0.5) / (xRange[1] + 0.5) * kWidth; };
        auto Y = [&](double v) { return (mapValue(v, floor) - lo) / (hi - lo) * kHeight; };
        // The zero line.
        const vtkIdType z0 = points->InsertNextPoint(0.0, Y(0.0), 0.0);
        const vtkIdType z1 = points->InsertNextPoint(kWidth, Y(0.0), 0.0);
        const vtkIdType zero[2] = {z0, z1};
        lines->InsertNextCell(2, zero);
        setRgb(colours, QColor(150, 150, 150));
        for (int k = 0; k < count; ++k) {
            const double v = values[std::size_t(k)];
            const vtkIdType a = points->InsertNextPoint(X(k), Y(0.0), 0.0);
            const vtkIdType b = points->InsertNextPoint(X(k), Y(v), 0.0);
            const vtkIdType seg[2] = {a, b};
            lines->InsertNextCell(2, seg);
            const QColor c = v < 0 ? negativeColour() : positiveColour();
            setRgb(colours, c);
            dots->InsertNextPoint(X(k), Y(v), 0.0);
            setRgb(dotColours, c);
            (v < 0 ? d->negative : d->positive)++;
        }
        xTitle = QStringLiteral("index k");
        yTitle = scene.logMagnitude ? QStringLiteral("sign * log10(1+|l|/l0)")
                                    : QStringLiteral("eigenvalue");
    } else {
        // Waterfall: iterate along y, index along x, value up.
        std::size_t width = 1;
        double lo = 0.0, hi = 0.0;
        for (const auto &row : scene.eigenvalues) {
            width = std::max(width, row.size());
            for (double v : row) {
                lo = std::min(lo, mapValue(v, floor));
                hi = std::max(hi, mapValue(v, floor));
            }
        }
        if (!(hi > lo))
            hi = lo + 1.0;
        const int iterates = std::max(1, int(scene.eigenvalues.size()));
        xRange[1] = double(std::max<std::size_t>(1, width - 1));
        yRange[1] = double(std::max(1, iterates - 1));
        zRange[0] = lo;
        zRange[1] = hi;
        auto X = [&](std::size_t k) { return double(k) / xRange[1] * kWidth; };
        auto Y = [&](int i) { return double(i) / yRange[1] * kDepth; };
        auto Z = [&](double v) { return (mapValue(v, floor) - lo) / (hi - lo) * kHeight; };
        for (int i = 0; i < int(scene.eigenvalues.size()); ++i) {
            const auto &row = scene.eigenvalues[std::size_t(i)];
            for (std::size_t k = 0; k + 1 < row.size(); ++k) {
                const vtkIdType a = points->InsertNextPoint(X(k), Y(i), Z(row[k]));
                const vtkIdType b = points->InsertNextPoint(X(k + 1), Y(i), Z(row[k + 1]));
                const vtkIdType seg[2] = {a, b};
                lines->InsertNextCell(2, seg);
                const bool neg = row[k] < 0 || row[k + 1] < 0;
                setRgb(colours,
                       i == selected ? highlight : (neg ? negativeColour() : positiveColour()));
            }
            for (std::size_t k = 0; k < row.size(); ++k) {
                dots->InsertNextPoint(X(k), Y(i), Z(row[k]));
                setRgb(dotColours,
                       i == selected ? highlight
                                     : (row[k] < 0 ? negativeColour() : positiveColour()));
            }
        }
        xTitle = QStringLiteral("index k");
        yTitle = QStringLiteral("iterate t");
        zTitle = scene.logMagnitude ? QStringLiteral("sign*log10(1+|l|/l0)")
                                    : QStringLiteral("eigenvalue");
    }

    vtkNew<vtkPolyData> linePoly;
    linePoly->SetPoints(points);
    linePoly->SetLines(lines);
    linePoly->GetCellData()->SetScalars(colours);
    vtkNew<vtkPolyDataMapper> lineMapper;
    lineMapper->SetInputData(linePoly);
    lineMapper->SetScalarModeToUseCellData();
    lineMapper->SetColorModeToDirectScalars();
    vtkNew<vtkActor> lineActor;
    lineActor->SetMapper(lineMapper);
    lineActor->GetProperty()->SetLineWidth(2.0);
    lineActor->GetProperty()->LightingOff();
    renderer->AddActor(lineActor);

    if (dots->GetNumberOfPoints() > 0) {
        vtkNew<vtkPolyData> dotPoly;
        dotPoly->SetPoints(dots);
        dotPoly->GetPointData()->SetScalars(dotColours);
        vtkNew<vtkSphereSource> ball;
        ball->SetRadius(scene.mode == SpectrumScene::Mode::Stem ? 0.025 : 0.015);
        vtkNew<vtkGlyph3D> glyphs;
        glyphs->SetInputData(dotPoly);
        glyphs->SetSourceConnection(ball->GetOutputPort());
        glyphs->ScalingOff();
        glyphs->SetColorModeToColorByScalar();
        vtkNew<vtkPolyDataMapper> dotMapper;
        dotMapper->SetInputConnection(glyphs->GetOutputPort());
        dotMapper->SetColorModeToDirectScalars();
        vtkNew<vtkActor> dotActor;
        dotActor->SetMapper(dotMapper);
        dotActor->GetProperty()->LightingOff();
        renderer->AddActor(dotActor);
    }

    vtkNew<vtkCubeAxesActor> axes;
    const bool flat = scene.mode == SpectrumScene::Mode::Stem;
    axes->SetBounds(0.0, kWidth, 0.0, flat ? kHeight : kDepth, 0.0, flat ? 0.0 : kHeight);
    axes->SetCamera(renderer->GetActiveCamera());
    axes->SetXAxisRange(xRange);
    axes->SetYAxisRange(yRange);
    axes->SetZAxisRange(zRange);
    axes->SetXTitle(xTitle.toUtf8().constData());
    axes->SetYTitle(yTitle.toUtf8().constData());
    axes->SetZTitle(zTitle.toUtf8().constData());
    axes->SetZAxisVisibility(!flat);
    axes->SetFlyModeToOuterEdges();
    axes->SetLabelScaling(false, 0, 0, 0);
    axes->SetScreenSize(12.0);
    axes->SetUse2DMode(1);
    for (int i = 0; i < 3; ++i) {
        plainText(axes->GetTitleTextProperty(i), 13);
        plainText(axes->GetLabelTextProperty(i), 11);
    }
    renderer->AddActor(axes);

    d->hasScene = true;
    if (modeChanged) {
        vtkCamera *camera = renderer->GetActiveCamera();
        camera->SetParallelProjection(flat);
        setStandardView(flat ? StandardView::Top : StandardView::Oblique);
    }
    requestRender();
}

} // namespace mowe::ui
