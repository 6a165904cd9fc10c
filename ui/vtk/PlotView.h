#pragma once
// A VtkView with the camera keys users of VTK viewers (ParaView, F3D, Blender) expect, for the
// workbench's 3-D plots. No VTK header here.
//
//   1  front view (looking along +y, z up)      3  side view (looking along −x, z up)
//   7  top view (looking down −z, y up)          0  the plot's own oblique view
//   5  orthographic / perspective toggle         r  reset (fit everything, as VtkView)
//   F12  screenshotRequested()
// The same keys work on the numeric keypad. Everything else goes to VtkView (trackball).

#include "vtk/VtkView.h"

namespace mowe::ui {

class PlotView : public VtkView {
    Q_OBJECT
public:
    enum class StandardView { Oblique, Front, Side, Top };

    explicit PlotView(QWidget *parent = nullptr);
    ~PlotView() override;

    /// Points the camera along one of the standard directions at the centre of everything
    /// visible and fits it; keeps the projection.
    void setStandardView(StandardView view);
    void setOrthographic(bool on);
    bool isOrthographic() const;

Q_SIGNALS:
    void screenshotRequested();
    void orthographicChanged(bool on);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    /// The oblique direction (from the focal point towards the camera) used by key 0 and by
    /// scenes when they are first shown. Default: front-left, above.
    virtual void obliqueDirection(double direction[3]) const;
};

} // namespace mowe::ui
