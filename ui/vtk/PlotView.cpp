#include "vtk/PlotView.h"

#include <QKeyEvent>

#include <vtkCamera.h>
#include <vtkRenderer.h>

#include <cmath>

namespace mowe::ui {

PlotView::PlotView(QWidget *parent)
    : VtkView(parent) {
}

PlotView::~PlotView() = default;

void PlotView::obliqueDirection(double direction[3]) const {
    direction[0] = -0.45;
    direction[1] = -0.8;
    direction[2] = 0.65;
}

void PlotView::setStandardView(StandardView view) {
    vtkRenderer *r = renderer();
    double bounds[6];
    r->ComputeVisiblePropBounds(bounds);
    if (bounds[0] > bounds[1]) // nothing visible yet
        return;
    const double centre[3] = {0.5 * (bounds[0] + bounds[1]),
                              0.5 * (bounds[2] + bounds[3]),
                              0.5 * (bounds[4] + bounds[5])};
    double dir[3] = {0.0, -1.0, 0.0};
    double up[3] = {0.0, 0.0, 1.0};
    switch (view) {
    case StandardView::Front:
        break;
    case StandardView::Side:
        dir[0] = 1.0;
        dir[1] = 0.0;
        break;
    case StandardView::Top:
        dir[1] = 0.0;
        dir[2] = 1.0;
        up[1] = 1.0;
        up[2] = 0.0;
        break;
    case StandardView::Oblique:
        obliqueDirection(dir);
        break;
    }
    vtkCamera *camera = r->GetActiveCamera();
    camera->SetFocalPoint(centre);
    camera->SetPosition(centre[0] + dir[0], centre[1] + dir[1], centre[2] + dir[2]);
    camera->SetViewUp(up);
    r->ResetCamera(bounds);
    requestRender();
}

void PlotView::setOrthographic(bool on) {
    vtkCamera *camera = renderer()->GetActiveCamera();
    if (bool(camera->GetParallelProjection()) == on)
        return;
    camera->SetParallelProjection(on);
    renderer()->ResetCamera();
    requestRender();
    Q_EMIT orthographicChanged(on);
}

bool PlotView::isOrthographic() const {
    return renderer()->GetActiveCamera()->GetParallelProjection() != 0;
}

void PlotView::keyPressEvent(QKeyEvent *event) {
    // Shortcut-free keys only: with Ctrl/Alt the key belongs to the application's menus.
    if (event->modifiers() & (Qt::ControlModifier | Qt::AltModifier)) {
        VtkView::keyPressEvent(event);
        return;
    }
    switch (event->key()) {
    case Qt::Key_1:
        setStandardView(StandardView::Front);
        break;
    case Qt::Key_3:
        setStandardView(StandardView::Side);
        break;
    case Qt::Key_7:
        setStandardView(StandardView::Top);
        break;
    case Qt::Key_0:
        setStandardView(StandardView::Oblique);
        break;
    case Qt::Key_5:
        setOrthographic(!isOrthographic());
        break;
    case Qt::Key_F12:
        Q_EMIT screenshotRequested();
        break;
    default:
        VtkView::keyPressEvent(event);
        return;
    }
    event->accept();
}

} // namespace mowe::ui
