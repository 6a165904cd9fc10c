#pragma once
// A Qt 6 widget that shows a VTK scene. Debian's VTK Qt module is built for Qt 5, so VTK
// renders through a vtkGenericOpenGLRenderWindow into this QOpenGLWidget's framebuffer.
// VTK stays behind a pimpl: this header includes no VTK header, so code that only places the
// widget compiles without VTK; code under ui/vtk/ that builds scenes uses renderer().
//
// Interaction (VTK's trackball-camera style): left drag rotates, Shift+left drag or middle
// drag pans, right drag or the wheel zooms, Ctrl+left drag spins, `r` resets the camera.

#include <QColor>
#include <QImage>
#include <QOpenGLWidget>
#include <QString>
#include <QVector3D>

#include <memory>

class QSurfaceFormat;
class vtkRenderer;
class vtkRenderWindow;

namespace mowe::ui {

class VtkView : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkView(QWidget *parent = nullptr);
    ~VtkView() override;

    /// The OpenGL format VTK 9.1 needs (3.2 core, 8-bit RGBA, 24-bit depth, 8-bit stencil).
    /// Each VtkView sets it on itself; applications may also make it the default.
    static QSurfaceFormat surfaceFormat();

    /// The single renderer that fills the view: add actors to it (code under ui/vtk/ only),
    /// then call requestRender(). Owned by the view.
    vtkRenderer *renderer() const;
    /// The render window, for code under ui/vtk/ that needs it (e.g. to add an overlay
    /// renderer). Never call Render() on it from outside paintGL; use requestRender().
    vtkRenderWindow *renderWindow() const;

    /// Schedules a repaint; the scene is rendered on the next paint (cheap to call often).
    void requestRender();

    /// Fits the camera to everything visible, like pressing `r`, and repaints.
    void resetCamera();

    void setBackground(const QColor &color);
    QColor background() const;

    /// Camera state in world coordinates, for tests and for saving a view.
    QVector3D cameraPosition() const;
    QVector3D cameraFocalPoint() const;

    /// True once the GL context exists and VTK was initialised on it (after the first show).
    bool isInitialized() const;
    /// Number of frames VTK has rendered into this widget so far.
    quint64 frameCount() const;

    /// Renders the scene now and returns it, `size() * devicePixelRatio()` pixels (empty if
    /// the view was never shown).
    QImage grabImage();

    /// Writes what the view shows to a PNG file, atomically (the previous file survives a
    /// failed write). Throws mowe::WriteError naming the path when it cannot, including when
    /// the view has not been shown yet.
    void saveImage(const QString &path);

Q_SIGNALS:
    /// The GL context is ready and VTK initialised on it.
    void initialized();
    /// VTK finished rendering a frame into the widget.
    void frameRendered();

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;

    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void keyReleaseEvent(QKeyEvent *event) override;
    void enterEvent(QEnterEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace mowe::ui
