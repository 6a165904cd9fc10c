#pragma once
// The workbench's 3-D loss landscape: the loss over a 2-D slice as a surface coloured by
// loss (scalar bar, optional log scale and clipping), contour lines on the surface and
// projected onto a floor below it, labelled axes, and the iterate paths as polylines with a
// sphere at each iterate's TRUE loss (not the surface value) and a drop line to the surface
// point below (above) it when the iterate is off the slice. Grid points where the loss is not
// finite are left out: the surface has holes there.
//
// World coordinates: x = s, y = t (the slice coordinates, in units of the direction scale),
// z = (h − h_min) · zScale where h is the drawn value (loss, or log₁₀ loss, clipped) and
// zScale makes the relief `reliefFraction` of the horizontal extent. The axes are labelled in
// s, t and the loss itself.
//
// The scene is plain data (build it anywhere); setScene() must run on the GUI thread.

#include "vtk/PlotView.h"

#include <QColor>
#include <QString>
#include <QVector3D>

#include <memory>
#include <vector>

namespace mowe::ui {

struct LandscapeScenePoint {
    double s = 0.0, t = 0.0;
    double loss = 0.0;      ///< true loss at the iterate
    bool finite = true;     ///< false: the iterate is not evaluable (not drawn)
    double planeLoss = 0.0; ///< loss at the foot c + s u + t v (NaN when not finite)
    double distance = 0.0;  ///< distance of the iterate from the plane
};

struct LandscapeScenePath {
    QString name;
    QColor colour;
    std::vector<LandscapeScenePoint> points;
};

struct LandscapeScene {
    /// Grid: columns × rows values; loss[r * columns + c] at (s[c], t[r]); finite[...] false
    /// where the loss is not finite (a hole).
    std::vector<double> s, t;
    std::vector<double> loss;
    std::vector<char> finite;
    std::vector<LandscapeScenePath> paths;

    bool logScale = false;
    /// Heights above this quantile of the finite losses are clipped (1 = no clipping).
    double clipQuantile = 1.0;
    int contourLevels = 12;
    double reliefFraction = 0.45;
    /// Iterates farther than this from the plane get a drop line.
    double offPlaneTolerance = 1e-9;
    QString sTitle = QStringLiteral("s");
    QString tTitle = QStringLiteral("t");
};

class LandscapeView : public PlotView {
    Q_OBJECT
public:
    explicit LandscapeView(QWidget *parent = nullptr);
    ~LandscapeView() override;

    /// Replaces the scene (surface, contours, axes, paths). Keeps the camera when
    /// `keepCamera` and a scene was shown before; otherwise sets the oblique view.
    /// Throws std::invalid_argument when the grid sizes disagree or it is smaller than 2 × 2.
    void setScene(const LandscapeScene &scene, bool keepCamera = false);
    bool hasScene() const;

    /// Highlights iterate `index` of path `path` (a larger sphere in the highlight colour);
    /// out of range hides the highlight.
    void setHighlight(int path, int index);
    /// World position of the highlight sphere (valid while it is visible).
    QVector3D highlightPosition() const;
    bool isHighlightVisible() const;
    /// World position at which iterate `index` of path `path` is drawn.
    QVector3D pointPosition(int path, int index) const;
    static QColor highlightColour();

    /// The drawn value range (after log and clipping) and the number of surface cells.
    double drawnMinimum() const;
    double drawnMaximum() const;
    long long surfaceCells() const;

    /// Writes the surface and the paths as one VTK XML PolyData file (vtkXMLPolyDataWriter)
    /// for ParaView: point arrays "loss" (true loss, NaN-free), "finite", "part" (0 surface,
    /// 1 + path index for the paths) and "distance" (from the plane, paths only). Atomic;
    /// throws mowe::WriteError.
    void writeVtp(const QString &path) const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace mowe::ui
