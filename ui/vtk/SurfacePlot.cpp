#include "vtk/SurfacePlot.h"

#include "vtk/VtkView.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
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
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace mowe::ui {

bool HeightField::isValid() const {
    return columns >= 2 && rows >= 2 &&
           heights.size() == static_cast<std::size_t>(columns) * static_cast<std::size_t>(rows) &&
           std::isfinite(xMin) && std::isfinite(xMax) && std::isfinite(yMin) &&
           std::isfinite(yMax) && xMax > xMin && yMax > yMin;
}

namespace {

// A diverging blue-white-red ramp (Moreland's "cool to warm"), readable for both small and
// large values and for common colour-vision deficiencies.
void fillCoolToWarm(vtkLookupTable *table) {
    constexpr int kColours = 256;
    table->SetNumberOfTableValues(kColours);
    const double cool[3] = {0.230, 0.299, 0.754};
    const double mid[3] = {0.865, 0.865, 0.865};
    const double warm[3] = {0.706, 0.016, 0.150};
    for (int i = 0; i < kColours; ++i) {
        const double t = static_cast<double>(i) / (kColours - 1);
        const double *a = t < 0.5 ? cool : mid;
        const double *b = t < 0.5 ? mid : warm;
        const double u = t < 0.5 ? 2.0 * t : 2.0 * t - 1.0;
        table->SetTableValue(
            i, a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1]), a[2] + u * (b[2] - a[2]), 1.0);
    }
    table->Build();
}

} // namespace

void showHeightField(VtkView &view, const HeightField &field, const SurfaceStyle &style) {
    if (!field.isValid())
        throw std::invalid_argument(
            "showHeightField: the grid is " + std::to_string(field.columns) + " x " +
            std::to_string(field.rows) + " with " + std::to_string(field.heights.size()) +
            " heights; it needs at least 2 x 2 samples, one height per sample and non-empty "
            "finite x and y ranges");

    double zMin = field.heights.front(), zMax = field.heights.front();
    for (double z : field.heights) {
        if (std::isfinite(z)) {
            zMin = std::min(zMin, z);
            zMax = std::max(zMax, z);
        }
    }
    const double extent = std::max(field.xMax - field.xMin, field.yMax - field.yMin);
    const double zRange = zMax - zMin;
    const double zScale =
        (style.reliefFraction > 0.0 && zRange > 0.0) ? style.reliefFraction * extent / zRange : 1.0;

    vtkNew<vtkPoints> points;
    points->SetNumberOfPoints(static_cast<vtkIdType>(field.heights.size()));
    vtkNew<vtkDoubleArray> scalars;
    scalars->SetName("height");
    scalars->SetNumberOfValues(static_cast<vtkIdType>(field.heights.size()));
    const double dx = (field.xMax - field.xMin) / (field.columns - 1);
    const double dy = (field.yMax - field.yMin) / (field.rows - 1);
    for (int r = 0; r < field.rows; ++r) {
        for (int c = 0; c < field.columns; ++c) {
            const vtkIdType id = static_cast<vtkIdType>(r) * field.columns + c;
            // Non-finite samples (a diverged loss) are drawn at the floor so the mesh stays
            // connected; their colour is the lowest one.
            const double z = std::isfinite(field.heights[id]) ? field.heights[id] : zMin;
            points->SetPoint(id, field.xMin + c * dx, field.yMin + r * dy, (z - zMin) * zScale);
            scalars->SetValue(id, z);
        }
    }
    vtkNew<vtkCellArray> quads;
    for (int r = 0; r + 1 < field.rows; ++r) {
        for (int c = 0; c + 1 < field.columns; ++c) {
            const vtkIdType a = static_cast<vtkIdType>(r) * field.columns + c;
            const vtkIdType quad[4] = {a, a + 1, a + 1 + field.columns, a + field.columns};
            quads->InsertNextCell(4, quad);
        }
    }
    vtkNew<vtkPolyData> surface;
    surface->SetPoints(points);
    surface->SetPolys(quads);
    surface->GetPointData()->SetScalars(scalars);

    vtkNew<vtkPolyDataNormals> normals;
    normals->SetInputData(surface);
    normals->SplittingOff(); // a smooth field: one normal per sample, no creases

    vtkNew<vtkLookupTable> table;
    fillCoolToWarm(table);
    table->SetTableRange(zMin, zRange > 0.0 ? zMax : zMin + 1.0);

    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(normals->GetOutputPort());
    mapper->SetLookupTable(table);
    mapper->SetScalarRange(table->GetTableRange());
    mapper->ScalarVisibilityOn();
    mapper->SetInterpolateScalarsBeforeMapping(true);

    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    actor->GetProperty()->SetAmbient(0.1);
    actor->GetProperty()->SetDiffuse(0.8);
    actor->GetProperty()->SetSpecular(0.1);
    actor->GetProperty()->SetSpecularPower(30.0);

    vtkRenderer *renderer = view.renderer();
    renderer->RemoveAllViewProps();
    renderer->AddActor(actor);
    // Key, fill and back lights instead of the single headlight: slopes seen edge-on from
    // the camera would otherwise turn black and read as cliffs.
    renderer->RemoveAllLights();
    vtkNew<vtkLightKit> lights;
    lights->AddLightsToRenderer(renderer);

    if (style.showColorBar) {
        vtkNew<vtkScalarBarActor> bar;
        bar->SetLookupTable(table);
        bar->SetTitle(style.scalarTitle.toUtf8().constData());
        bar->SetNumberOfLabels(5);
        bar->SetMaximumWidthInPixels(90);
        bar->GetPositionCoordinate()->SetValue(0.88, 0.08);
        bar->SetWidth(0.1);
        bar->SetHeight(0.75);
        for (vtkTextProperty *text : {bar->GetTitleTextProperty(), bar->GetLabelTextProperty()}) {
            text->ItalicOff();
            text->ShadowOff();
            text->BoldOff();
        }
        bar->UnconstrainedFontSizeOn();
        bar->GetTitleTextProperty()->SetFontSize(16);
        bar->GetLabelTextProperty()->SetFontSize(13);
        renderer->AddActor2D(bar);
    }

    // An oblique view from the front-left, z up: the relief reads at first sight.
    vtkCamera *camera = renderer->GetActiveCamera();
    const double cx = 0.5 * (field.xMin + field.xMax);
    const double cy = 0.5 * (field.yMin + field.yMax);
    camera->SetFocalPoint(cx, cy, 0.0);
    camera->SetPosition(cx - 0.9 * extent, cy - 1.6 * extent, 1.3 * extent);
    camera->SetViewUp(0.0, 0.0, 1.0);
    renderer->ResetCamera();
    view.requestRender();
}

} // namespace mowe::ui
