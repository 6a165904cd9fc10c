#include "vtk/LandscapeView.h"

#include "common/atomic_file.h"

#include <QFile>

#include <vtkActor.h>
#include <vtkAppendPolyData.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCharArray.h>
#include <vtkContourFilter.h>
#include <vtkCubeAxesActor.h>
#include <vtkDoubleArray.h>
#include <vtkGlyph3D.h>
#include <vtkLightKit.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkSphereSource.h>
#include <vtkTextProperty.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>
#include <vtkXMLPolyDataWriter.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace mowe::ui {

namespace {

// Moreland's diverging cool-to-warm ramp, as the demonstration surface uses: low loss blue,
// high loss red, readable with the common colour-vision deficiencies.
void fillCoolToWarm(vtkLookupTable *table) {
    constexpr int kColours = 256;
    table->SetNumberOfTableValues(kColours);
    const double cool[3] = {0.230, 0.299, 0.754};
    const double mid[3] = {0.865, 0.865, 0.865};
    const double warm[3] = {0.706, 0.016, 0.150};
    for (int i = 0; i < kColours; ++i) {
        const double x = static_cast<double>(i) / (kColours - 1);
        const double *a = x < 0.5 ? cool : mid;
        const double *b = x < 0.5 ? mid : warm;
        const double u = x < 0.5 ? 2.0 * x : 2.0 * x - 1.0;
        table->SetTableValue(
            i, a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1]), a[2] + u * (b[2] - a[2]), 1.0);
    }
    table->Build();
}

void plainText(vtkTextProperty *text, int size) {
    text->ItalicOff();
    text->ShadowOff();
    text->BoldOff();
    text->SetFontSize(size);
    text->SetColor(0.92, 0.92, 0.92);
}

vtkSmartPointer<vtkDoubleArray> doubleArray(const char *name, vtkIdType size, double fill) {
    auto a = vtkSmartPointer<vtkDoubleArray>::New();
    a->SetName(name);
    a->SetNumberOfValues(size);
    a->Fill(fill);
    return a;
}

} // namespace

struct LandscapeView::Impl {
    bool hasScene = false;
    // The value → height map of the current scene.
    bool logScale = false;
    double logFloor = 1e-300;
    double clipValue = std::numeric_limits<double>::infinity();
    double hMin = 0.0, hMax = 1.0, zScale = 1.0, zFloor = 0.0, zCeiling = 1.0;
    long long cells = 0;

    vtkSmartPointer<vtkPolyData> surface;            ///< z as drawn, arrays for export
    std::vector<vtkSmartPointer<vtkPolyData>> paths; ///< one per scene path
    std::vector<std::vector<QVector3D>> positions;   ///< [path][iterate], NaN when not drawn
    vtkNew<vtkActor> highlight;
    bool highlightVisible = false;

    double drawn(double loss) const {
        double h = logScale ? std::log10(std::max(loss, logFloor)) : loss;
        return std::min(h, clipValue);
    }
    double height(double loss) const { return (drawn(loss) - hMin) * zScale; }
};

LandscapeView::LandscapeView(QWidget *parent)
    : PlotView(parent)
    , d(std::make_unique<Impl>()) {
    vtkNew<vtkSphereSource> sphere;
    sphere->SetThetaResolution(24);
    sphere->SetPhiResolution(16);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(sphere->GetOutputPort());
    d->highlight->SetMapper(mapper);
    const QColor c = highlightColour();
    d->highlight->GetProperty()->SetColor(c.redF(), c.greenF(), c.blueF());
    d->highlight->GetProperty()->SetAmbient(0.6);
    d->highlight->GetProperty()->SetDiffuse(0.5);
    d->highlight->VisibilityOff();
}

LandscapeView::~LandscapeView() = default;

QColor LandscapeView::highlightColour() {
    return QColor(255, 221, 0);
}

bool LandscapeView::hasScene() const {
    return d->hasScene;
}

double LandscapeView::drawnMinimum() const {
    return d->hMin;
}

double LandscapeView::drawnMaximum() const {
    return d->hMax;
}

long long LandscapeView::surfaceCells() const {
    return d->cells;
}

void LandscapeView::setScene(const LandscapeScene &scene, bool keepCamera) {
    const std::size_t columns = scene.s.size(), rows = scene.t.size();
    if (columns < 2 || rows < 2 || scene.loss.size() != columns * rows ||
        scene.finite.size() != columns * rows)
        throw std::invalid_argument("LandscapeView::setScene: the grid is " +
                                    std::to_string(columns) + " x " + std::to_string(rows) +
                                    " with " + std::to_string(scene.loss.size()) +
                                    " losses; it needs at least 2 x 2 and one loss per point");
    Impl &m = *d;
    m.logScale = scene.logScale;

    // The value map: log floor = the smallest positive finite loss (a zero loss would be −∞).
    std::vector<double> finiteLosses;
    finiteLosses.reserve(scene.loss.size());
    double minPositive = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < scene.loss.size(); ++i) {
        if (!scene.finite[i])
            continue;
        finiteLosses.push_back(scene.loss[i]);
        if (scene.loss[i] > 0.0)
            minPositive = std::min(minPositive, scene.loss[i]);
    }
    m.logFloor = std::isfinite(minPositive) ? minPositive : 1e-300;
    m.clipValue = std::numeric_limits<double>::infinity();
    std::vector<double> drawnValues;
    drawnValues.reserve(finiteLosses.size());
    for (double l : finiteLosses)
        drawnValues.push_back(m.drawn(l));
    if (scene.clipQuantile < 1.0 && !drawnValues.empty()) {
        std::vector<double> sorted = drawnValues;
        const auto k = static_cast<std::size_t>(std::clamp(scene.clipQuantile, 0.0, 1.0) *
                                                double(sorted.size() - 1));
        std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(k), sorted.end());
        m.clipValue = sorted[k];
    }
    m.hMin = std::numeric_limits<double>::infinity();
    m.hMax = -std::numeric_limits<double>::infinity();
    for (double l : finiteLosses) {
        m.hMin = std::min(m.hMin, m.drawn(l));
        m.hMax = std::max(m.hMax, m.drawn(l));
    }
    if (finiteLosses.empty()) {
        m.hMin = 0.0;
        m.hMax = 1.0;
    }
    if (!(m.hMax > m.hMin))
        m.hMax = m.hMin + 1.0;
    const double sMin = scene.s.front(), sMax = scene.s.back();
    const double tMin = scene.t.front(), tMax = scene.t.back();
    const double extent = std::max(sMax - sMin, tMax - tMin);
    m.zScale = scene.reliefFraction * extent / (m.hMax - m.hMin);
    m.zFloor = -0.3 * scene.reliefFraction * extent;
    m.zCeiling = (m.hMax - m.hMin) * m.zScale;

    // The surface: one point per grid sample, quads only where all four corners are finite.
    const vtkIdType count = static_cast<vtkIdType>(columns * rows);
    vtkNew<vtkPoints> points;
    points->SetNumberOfPoints(count);
    auto heightArray = doubleArray("height", count, m.hMin);
    auto lossArray = doubleArray("loss", count, 0.0);
    auto partArray = doubleArray("part", count, 0.0);
    auto distanceArray = doubleArray("distance", count, 0.0);
    vtkNew<vtkCharArray> finiteArray;
    finiteArray->SetName("finite");
    finiteArray->SetNumberOfValues(count);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < columns; ++c) {
            const std::size_t i = r * columns + c;
            const bool ok = scene.finite[i] != 0;
            const double h = ok ? m.drawn(scene.loss[i]) : m.hMin;
            points->SetPoint(vtkIdType(i), scene.s[c], scene.t[r], (h - m.hMin) * m.zScale);
            heightArray->SetValue(vtkIdType(i), h);
            lossArray->SetValue(vtkIdType(i), ok ? scene.loss[i] : 0.0);
            finiteArray->SetValue(vtkIdType(i), ok ? 1 : 0);
        }
    }
    vtkNew<vtkCellArray> quads;
    for (std::size_t r = 0; r + 1 < rows; ++r) {
        for (std::size_t c = 0; c + 1 < columns; ++c) {
            const std::size_t a = r * columns + c;
            if (!scene.finite[a] || !scene.finite[a + 1] || !scene.finite[a + columns] ||
                !scene.finite[a + columns + 1])
                continue; // a hole where the loss is not finite
            const vtkIdType quad[4] = {
                vtkIdType(a), vtkIdType(a + 1), vtkIdType(a + 1 + columns), vtkIdType(a + columns)};
            quads->InsertNextCell(4, quad);
        }
    }
    m.cells = quads->GetNumberOfCells();
    m.surface = vtkSmartPointer<vtkPolyData>::New();
    m.surface->SetPoints(points);
    m.surface->SetPolys(quads);
    m.surface->GetPointData()->AddArray(lossArray);
    m.surface->GetPointData()->AddArray(finiteArray);
    m.surface->GetPointData()->AddArray(partArray);
    m.surface->GetPointData()->AddArray(distanceArray);
    m.surface->GetPointData()->SetScalars(heightArray);

    vtkNew<vtkLookupTable> table;
    fillCoolToWarm(table);
    table->SetTableRange(m.hMin, m.hMax);

    vtkNew<vtkPolyDataNormals> normals;
    normals->SetInputData(m.surface);
    normals->SplittingOff();
    vtkNew<vtkPolyDataMapper> surfaceMapper;
    surfaceMapper->SetInputConnection(normals->GetOutputPort());
    surfaceMapper->SetLookupTable(table);
    surfaceMapper->SetScalarRange(m.hMin, m.hMax);
    surfaceMapper->SetScalarModeToUsePointData();
    surfaceMapper->SetInterpolateScalarsBeforeMapping(true);
    vtkNew<vtkActor> surfaceActor;
    surfaceActor->SetMapper(surfaceMapper);
    surfaceActor->GetProperty()->SetAmbient(0.15);
    surfaceActor->GetProperty()->SetDiffuse(0.8);
    surfaceActor->GetProperty()->SetSpecular(0.1);
    surfaceActor->GetProperty()->SetSpecularPower(30.0);

    vtkRenderer *renderer = this->renderer();
    renderer->RemoveAllViewProps();
    renderer->AddActor(surfaceActor);

    // Contours on the surface (lifted a hair so the depth test keeps them visible) and the
    // same contours flattened onto the floor, coloured by level.
    if (scene.contourLevels > 0 && m.cells > 0) {
        vtkNew<vtkContourFilter> contours;
        contours->SetInputData(m.surface);
        contours->SetInputArrayToProcess(
            0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS, "height");
        contours->SetNumberOfContours(scene.contourLevels);
        for (int i = 0; i < scene.contourLevels; ++i)
            contours->SetValue(i, m.hMin + (i + 1) * (m.hMax - m.hMin) / (scene.contourLevels + 1));
        vtkNew<vtkTransform> lift;
        lift->Translate(0.0, 0.0, 0.004 * extent);
        vtkNew<vtkTransformPolyDataFilter> lifted;
        lifted->SetTransform(lift);
        lifted->SetInputConnection(contours->GetOutputPort());
        vtkNew<vtkPolyDataMapper> onMapper;
        onMapper->SetInputConnection(lifted->GetOutputPort());
        onMapper->ScalarVisibilityOff();
        vtkNew<vtkActor> onSurface;
        onSurface->SetMapper(onMapper);
        onSurface->GetProperty()->SetColor(0.12, 0.12, 0.12);
        onSurface->GetProperty()->SetLineWidth(1.5);
        onSurface->GetProperty()->LightingOff();
        renderer->AddActor(onSurface);

        vtkNew<vtkTransform> flatten;
        flatten->Translate(0.0, 0.0, m.zFloor);
        flatten->Scale(1.0, 1.0, 0.0);
        vtkNew<vtkTransformPolyDataFilter> flat;
        flat->SetTransform(flatten);
        flat->SetInputConnection(contours->GetOutputPort());
        vtkNew<vtkPolyDataMapper> floorMapper;
        floorMapper->SetInputConnection(flat->GetOutputPort());
        floorMapper->SetLookupTable(table);
        floorMapper->SetScalarRange(m.hMin, m.hMax);
        vtkNew<vtkActor> onFloor;
        onFloor->SetMapper(floorMapper);
        onFloor->GetProperty()->SetLineWidth(1.5);
        onFloor->GetProperty()->LightingOff();
        renderer->AddActor(onFloor);
    }

    // The paths: polyline, a sphere per iterate at its true loss, drop lines to the plane.
    // Heights far outside the surface's range are clamped so one diverged iterate does not
    // shrink the whole plot to a line (the table and the convergence plot show the value).
    const double zLow = m.zFloor, zHigh = m.zCeiling * 1.6;
    const double radius = 0.013 * extent;
    m.paths.clear();
    m.positions.clear();
    double bounds[6] = {sMin, sMax, tMin, tMax, m.zFloor, m.zCeiling};
    for (std::size_t p = 0; p < scene.paths.size(); ++p) {
        const LandscapeScenePath &path = scene.paths[p];
        vtkNew<vtkPoints> pts;
        vtkNew<vtkCellArray> line, drops;
        auto pLoss = doubleArray("loss", 0, 0.0);
        auto pDistance = doubleArray("distance", 0, 0.0);
        auto pHeight = doubleArray("height", 0, 0.0);
        auto pPart = doubleArray("part", 0, 0.0);
        vtkNew<vtkCharArray> pFinite;
        pFinite->SetName("finite");
        std::vector<vtkIdType> lineIds;
        std::vector<QVector3D> where;
        vtkNew<vtkPoints> centres;
        for (const LandscapeScenePoint &q : path.points) {
            if (!q.finite) {
                const float nan = std::numeric_limits<float>::quiet_NaN();
                where.emplace_back(nan, nan, nan);
                continue;
            }
            const double z = std::clamp(m.height(q.loss), zLow, zHigh);
            const vtkIdType id = pts->InsertNextPoint(q.s, q.t, z);
            centres->InsertNextPoint(q.s, q.t, z);
            pLoss->InsertNextValue(q.loss);
            pDistance->InsertNextValue(q.distance);
            pHeight->InsertNextValue(m.drawn(q.loss));
            pPart->InsertNextValue(double(p + 1));
            pFinite->InsertNextValue(1);
            lineIds.push_back(id);
            where.emplace_back(float(q.s), float(q.t), float(z));
            bounds[0] = std::min(bounds[0], q.s);
            bounds[1] = std::max(bounds[1], q.s);
            bounds[2] = std::min(bounds[2], q.t);
            bounds[3] = std::max(bounds[3], q.t);
            bounds[5] = std::max(bounds[5], z);
            if (q.distance > scene.offPlaneTolerance && std::isfinite(q.planeLoss)) {
                const double zFoot = std::clamp(m.height(q.planeLoss), zLow, zHigh);
                const vtkIdType foot = pts->InsertNextPoint(q.s, q.t, zFoot);
                pLoss->InsertNextValue(q.planeLoss);
                pDistance->InsertNextValue(0.0);
                pHeight->InsertNextValue(m.drawn(q.planeLoss));
                pPart->InsertNextValue(double(p + 1));
                pFinite->InsertNextValue(1);
                const vtkIdType seg[2] = {id, foot};
                drops->InsertNextCell(2, seg);
            }
        }
        if (lineIds.size() >= 2)
            line->InsertNextCell(vtkIdType(lineIds.size()), lineIds.data());
        auto poly = vtkSmartPointer<vtkPolyData>::New();
        poly->SetPoints(pts);
        poly->SetLines(line);
        poly->GetPointData()->AddArray(pLoss);
        poly->GetPointData()->AddArray(pFinite);
        poly->GetPointData()->AddArray(pPart);
        poly->GetPointData()->AddArray(pDistance);
        poly->GetPointData()->SetScalars(pHeight);
        m.paths.push_back(poly);
        m.positions.push_back(std::move(where));

        double rgb[3] = {path.colour.redF(), path.colour.greenF(), path.colour.blueF()};
        vtkNew<vtkPolyDataMapper> lineMapper;
        lineMapper->SetInputData(poly);
        lineMapper->ScalarVisibilityOff();
        vtkNew<vtkActor> lineActor;
        lineActor->SetMapper(lineMapper);
        lineActor->GetProperty()->SetColor(rgb);
        lineActor->GetProperty()->SetLineWidth(3.0);
        lineActor->GetProperty()->LightingOff();
        renderer->AddActor(lineActor);

        vtkNew<vtkPolyData> dropPoly;
        dropPoly->SetPoints(pts);
        dropPoly->SetLines(drops);
        vtkNew<vtkPolyDataMapper> dropMapper;
        dropMapper->SetInputData(dropPoly);
        dropMapper->ScalarVisibilityOff();
        vtkNew<vtkActor> dropActor;
        dropActor->SetMapper(dropMapper);
        dropActor->GetProperty()->SetColor(rgb);
        dropActor->GetProperty()->SetLineWidth(1.0);
        dropActor->GetProperty()->SetOpacity(0.8);
        dropActor->GetProperty()->LightingOff();
        renderer->AddActor(dropActor);

        vtkNew<vtkPolyData> centrePoly;
        centrePoly->SetPoints(centres);
        vtkNew<vtkSphereSource> ball;
        ball->SetRadius(radius);
        ball->SetThetaResolution(16);
        ball->SetPhiResolution(12);
        vtkNew<vtkGlyph3D> glyphs;
        glyphs->SetInputData(centrePoly);
        glyphs->SetSourceConnection(ball->GetOutputPort());
        glyphs->ScalingOff();
        vtkNew<vtkPolyDataMapper> glyphMapper;
        glyphMapper->SetInputConnection(glyphs->GetOutputPort());
        glyphMapper->ScalarVisibilityOff();
        vtkNew<vtkActor> glyphActor;
        glyphActor->SetMapper(glyphMapper);
        glyphActor->GetProperty()->SetColor(rgb);
        renderer->AddActor(glyphActor);
    }

    // The highlight sphere is larger than the iterate spheres so it shows around them.
    auto *highlightSource =
        vtkSphereSource::SafeDownCast(d->highlight->GetMapper()->GetInputAlgorithm());
    if (highlightSource)
        highlightSource->SetRadius(radius * 1.9);
    renderer->AddActor(d->highlight);

    vtkNew<vtkCubeAxesActor> axes;
    axes->SetBounds(bounds);
    axes->SetCamera(renderer->GetActiveCamera());
    axes->SetXTitle(scene.sTitle.toUtf8().constData());
    axes->SetYTitle(scene.tTitle.toUtf8().constData());
    axes->SetZTitle(scene.logScale ? "log10 loss" : "loss");
    // The z axis is labelled in drawn values, not world heights.
    axes->SetZAxisRange(m.hMin + bounds[4] / m.zScale, m.hMin + bounds[5] / m.zScale);
    axes->SetFlyModeToOuterEdges();
    axes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
    axes->DrawXGridlinesOff();
    axes->SetLabelScaling(false, 0, 0, 0);
    axes->SetScreenSize(12.0);
    // Screen-aligned labels: 3-D labels turn along a steep axis and run into each other.
    axes->SetUse2DMode(1);
    for (int i = 0; i < 3; ++i) {
        plainText(axes->GetTitleTextProperty(i), 14);
        plainText(axes->GetLabelTextProperty(i), 12);
    }
    double grey[3] = {0.75, 0.75, 0.78};
    axes->GetXAxesLinesProperty()->SetColor(grey);
    axes->GetYAxesLinesProperty()->SetColor(grey);
    axes->GetZAxesLinesProperty()->SetColor(grey);
    // Enough significant digits that the labels of a narrow range still differ (a loss of
    // 0.1090 that varies in its fifth digit, as near a minimiser): VTK's 3 plus the whole
    // decades by which the values exceed their spread. Ranges wider than a tenth of their
    // level keep VTK's default format.
    const double spread = m.hMax - m.hMin;
    const double level = std::max(std::abs(m.hMin), std::abs(m.hMax));
    const int extra = spread > 0.0 && level > 10.0 * spread
                          ? std::min(7, int(std::floor(std::log10(level / spread))))
                          : 0;
    const std::string labelFormat =
        "%-#" + std::to_string(6 + extra) + "." + std::to_string(3 + extra) + "g";
    if (extra > 0)
        axes->SetZLabelFormat(labelFormat.c_str());
    renderer->AddActor(axes);

    vtkNew<vtkScalarBarActor> bar;
    if (extra > 0)
        bar->SetLabelFormat(labelFormat.c_str());
    bar->SetLookupTable(table);
    bar->SetTitle(scene.logScale ? "log10 loss" : "loss");
    bar->SetNumberOfLabels(5);
    bar->SetMaximumWidthInPixels(80);
    bar->GetPositionCoordinate()->SetValue(0.88, 0.1);
    bar->SetWidth(0.1);
    bar->SetHeight(0.75);
    bar->UnconstrainedFontSizeOn();
    plainText(bar->GetTitleTextProperty(), 14);
    plainText(bar->GetLabelTextProperty(), 12);
    renderer->AddActor2D(bar);

    renderer->RemoveAllLights();
    vtkNew<vtkLightKit> lights;
    lights->AddLightsToRenderer(renderer);

    const bool firstScene = !m.hasScene;
    m.hasScene = true;
    if (!keepCamera || firstScene)
        setStandardView(StandardView::Oblique);
    requestRender();
}

void LandscapeView::setHighlight(int path, int index) {
    const bool valid = path >= 0 && std::size_t(path) < d->positions.size() && index >= 0 &&
                       std::size_t(index) < d->positions[std::size_t(path)].size() &&
                       !std::isnan(d->positions[std::size_t(path)][std::size_t(index)].x());
    d->highlightVisible = valid;
    d->highlight->SetVisibility(valid);
    if (valid) {
        const QVector3D p = d->positions[std::size_t(path)][std::size_t(index)];
        d->highlight->SetPosition(p.x(), p.y(), p.z());
    }
    requestRender();
}

QVector3D LandscapeView::highlightPosition() const {
    const double *p = d->highlight->GetPosition();
    return {float(p[0]), float(p[1]), float(p[2])};
}

bool LandscapeView::isHighlightVisible() const {
    return d->highlightVisible;
}

QVector3D LandscapeView::pointPosition(int path, int index) const {
    if (path < 0 || std::size_t(path) >= d->positions.size() || index < 0 ||
        std::size_t(index) >= d->positions[std::size_t(path)].size()) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        return {nan, nan, nan};
    }
    return d->positions[std::size_t(path)][std::size_t(index)];
}

void LandscapeView::writeVtp(const QString &path) const {
    if (!d->hasScene || !d->surface)
        throw mowe::WriteError("cannot export the landscape to '" + path.toStdString() +
                               "': no landscape has been computed yet");
    vtkNew<vtkAppendPolyData> append;
    append->AddInputData(d->surface);
    for (const auto &p : d->paths)
        append->AddInputData(p);
    // In the file z is the drawn value itself (loss, or log₁₀ loss), not the scaled height.
    vtkNew<vtkTransform> unscale;
    unscale->Translate(0.0, 0.0, d->hMin);
    unscale->Scale(1.0, 1.0, 1.0 / d->zScale);
    vtkNew<vtkTransformPolyDataFilter> transform;
    transform->SetTransform(unscale);
    transform->SetInputConnection(append->GetOutputPort());
    vtkNew<vtkXMLPolyDataWriter> writer;
    writer->SetInputConnection(transform->GetOutputPort());
    writer->SetDataModeToAscii();
    writer->WriteToOutputStringOn();
    if (writer->Write() != 1)
        throw mowe::WriteError("cannot export the landscape to '" + path.toStdString() +
                               "': VTK could not serialise the surface");
    mowe::writeFileAtomically(QFile::encodeName(path).toStdString(), writer->GetOutputString());
}

} // namespace mowe::ui
