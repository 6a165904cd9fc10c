#include "vtk/VtkView.h"

#include "Log.h"
#include "common/atomic_file.h"

#include <QBuffer>
#include <QByteArray>
#include <QCursor>
#include <QFile>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QScreen>
#include <QSurfaceFormat>
#include <QWheelEvent>

#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkOpenGLState.h>
#include <vtkOutputWindow.h>
#include <vtkRenderer.h>

#include <cmath>
#include <mutex>
#include <vector>

namespace mowe::ui {
namespace {

/// VTK's trackball-camera style with only the `r` key: the style's other keys (`3` stereo,
/// `e`/`q` exit, `f` fly-to, `w`/`s` wireframe on every actor) would let a stray keypress
/// change scenes that the workspaces own.
class ViewStyle : public vtkInteractorStyleTrackballCamera {
public:
    static ViewStyle *New();
    vtkTypeMacro(ViewStyle, vtkInteractorStyleTrackballCamera);

    void OnChar() override {
        const char key = this->Interactor ? this->Interactor->GetKeyCode() : 0;
        if (key == 'r' || key == 'R')
            vtkInteractorStyleTrackballCamera::OnChar();
    }
};
vtkStandardNewMacro(ViewStyle);

/// Sends VTK's warnings and errors (which would otherwise go to stderr, or a popup window on
/// some platforms) into the mowe.vtk category, so --verbose and QT_LOGGING_RULES govern them.
class QtOutputWindow : public vtkOutputWindow {
public:
    static QtOutputWindow *New();
    vtkTypeMacro(QtOutputWindow, vtkOutputWindow);

    void DisplayText(const char *text) override { qCInfo(lcVtk).noquote() << trimmed(text); }
    void DisplayErrorText(const char *text) override {
        qCCritical(lcVtk).noquote() << trimmed(text);
    }
    void DisplayWarningText(const char *text) override {
        qCWarning(lcVtk).noquote() << trimmed(text);
    }
    void DisplayGenericWarningText(const char *text) override {
        qCWarning(lcVtk).noquote() << trimmed(text);
    }
    void DisplayDebugText(const char *text) override { qCDebug(lcVtk).noquote() << trimmed(text); }

private:
    static QString trimmed(const char *text) { return QString::fromUtf8(text).trimmed(); }
};
vtkStandardNewMacro(QtOutputWindow);

void installVtkOutputWindow() {
    static std::once_flag once;
    std::call_once(once, [] {
        vtkNew<QtOutputWindow> window;
        vtkOutputWindow::SetInstance(window);
    });
}

/// One wheel notch is 120 eighths of a degree (Qt's convention); VTK zooms one step a notch.
constexpr int kWheelNotch = 120;

} // namespace

struct VtkView::Impl {
    VtkView *q;
    vtkNew<vtkGenericOpenGLRenderWindow> window;
    vtkNew<vtkRenderer> renderer;
    vtkNew<vtkGenericRenderWindowInteractor> interactor;
    vtkNew<ViewStyle> style;
    std::vector<unsigned long> windowObservers;
    unsigned long renderObserver = 0;
    QMetaObject::Connection contextConnection;
    bool initialized = false;
    bool inPaint = false;
    quint64 frames = 0;
    int wheelRemainder = 0;
    QColor background{QColor::fromRgbF(0.12f, 0.13f, 0.16f)};

    explicit Impl(VtkView *view)
        : q(view) {
        // No rendering until initializeGL has a context for VTK: Render() before that would
        // find no current context and VTK would complain.
        window->SetReadyForRendering(false);
        window->SetOwnContext(false);
        // VTK renders into its own framebuffer and, at the end of Render(), blits into the
        // framebuffer bound at that moment: the QOpenGLWidget's, inside paintGL.
        window->SetFrameBlitModeToBlitToCurrent();
        window->AddRenderer(renderer);
        renderer->SetBackground(background.redF(), background.greenF(), background.blueF());

        for (unsigned long event : {vtkCommand::WindowMakeCurrentEvent,
                                    vtkCommand::WindowIsCurrentEvent,
                                    vtkCommand::WindowSupportsOpenGLEvent,
                                    vtkCommand::WindowIsDirectEvent,
                                    vtkCommand::WindowFrameEvent})
            windowObservers.push_back(window->AddObserver(event, this, &Impl::onWindowEvent));

        interactor->SetRenderWindow(window);
        interactor->SetInteractorStyle(style);
        // The style asks for a render after every camera change; rendering happens in
        // paintGL only, so those requests become update() calls (coalesced by Qt).
        interactor->EnableRenderOff();
        renderObserver =
            interactor->AddObserver(vtkCommand::RenderEvent, this, &Impl::onRenderRequested);
        interactor->Initialize();
    }

    ~Impl() {
        interactor->RemoveObserver(renderObserver);
        for (unsigned long id : windowObservers)
            window->RemoveObserver(id);
    }

    // vtkGenericOpenGLRenderWindow asks its observers about the context it does not own: in
    // VTK 9.1 IsCurrent() and SupportsOpenGL() return whatever the observer writes into the
    // call data (false / 0 when nobody answers, which would make Render() skip silently).
    void onWindowEvent(vtkObject *, unsigned long event, void *callData) {
        switch (event) {
        case vtkCommand::WindowMakeCurrentEvent:
            if (!inPaint)
                q->makeCurrent();
            break;
        case vtkCommand::WindowIsCurrentEvent: {
            const QOpenGLContext *current = QOpenGLContext::currentContext();
            *static_cast<bool *>(callData) = current != nullptr && current == q->context();
            break;
        }
        case vtkCommand::WindowSupportsOpenGLEvent:
        case vtkCommand::WindowIsDirectEvent:
            *static_cast<int *>(callData) = q->context() != nullptr ? 1 : 0;
            break;
        case vtkCommand::WindowFrameEvent:
            ++frames;
            // A render started outside paintGL (someone called Render() directly) has
            // drawn into the widget's framebuffer; Qt must composite it.
            if (!inPaint)
                q->update();
            break;
        default:
            break;
        }
    }

    void onRenderRequested(vtkObject *, unsigned long, void *) { q->update(); }

    QSize deviceSize() const {
        const double dpr = q->devicePixelRatioF();
        return {static_cast<int>(std::lround(q->width() * dpr)),
                static_cast<int>(std::lround(q->height() * dpr))};
    }

    // VTK works in device pixels; Qt in device-independent ones. Called from resizeGL and,
    // because a screen change alters the ratio without a resize, before each render.
    void syncSize() {
        const QSize size = deviceSize();
        const int *current = window->GetSize();
        if (current[0] != size.width() || current[1] != size.height()) {
            interactor->UpdateSize(size.width(), size.height());
            window->SetSize(size.width(), size.height());
        }
        const double dpr = q->devicePixelRatioF();
        window->SetDPI(static_cast<int>(std::lround(72.0 * dpr)));
        if (const QScreen *screen = q->screen()) {
            const QSize screenSize = screen->size() * dpr;
            window->SetScreenSize(screenSize.width(), screenSize.height());
        }
    }

    // VTK event positions are device pixels with the origin at the bottom left.
    void setEventPosition(const QPointF &pos,
                          Qt::KeyboardModifiers modifiers,
                          int repeat = 0,
                          char keyCode = 0,
                          const char *keySym = nullptr) {
        const double dpr = q->devicePixelRatioF();
        interactor->SetEventInformationFlipY(static_cast<int>(std::lround(pos.x() * dpr)),
                                             static_cast<int>(std::lround(pos.y() * dpr)),
                                             (modifiers & Qt::ControlModifier) ? 1 : 0,
                                             (modifiers & Qt::ShiftModifier) ? 1 : 0,
                                             keyCode,
                                             repeat,
                                             keySym);
        interactor->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
    }

    void releaseGraphics() {
        if (!initialized)
            return;
        q->makeCurrent();
        window->Finalize();
        window->SetReadyForRendering(false);
        initialized = false;
        q->doneCurrent();
    }
};

VtkView::VtkView(QWidget *parent)
    : QOpenGLWidget(parent)
    , d(std::make_unique<Impl>(this)) {
    installVtkOutputWindow();
    setFormat(surfaceFormat());
    setFocusPolicy(Qt::StrongFocus);
    setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
    setMinimumSize(64, 64);
}

VtkView::~VtkView() {
    // The context dies with the widget; VTK must free its GL objects while it still exists.
    disconnect(d->contextConnection);
    d->releaseGraphics();
}

QSurfaceFormat VtkView::surfaceFormat() {
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 2);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
    format.setRedBufferSize(8);
    format.setGreenBufferSize(8);
    format.setBlueBufferSize(8);
    // No alpha: VTK leaves alpha 0 where the background is, which would make grabbed images
    // transparent and, with Mesa, let the window behind show through.
    format.setAlphaBufferSize(0);
    format.setDepthBufferSize(24);
    format.setStencilBufferSize(8);
    format.setSamples(0);
    return format;
}

vtkRenderer *VtkView::renderer() const {
    return d->renderer;
}

vtkRenderWindow *VtkView::renderWindow() const {
    return d->window;
}

void VtkView::requestRender() {
    update();
}

void VtkView::resetCamera() {
    d->renderer->ResetCamera();
    requestRender();
}

void VtkView::setBackground(const QColor &color) {
    d->background = color;
    d->renderer->SetBackground(color.redF(), color.greenF(), color.blueF());
    requestRender();
}

QColor VtkView::background() const {
    return d->background;
}

QVector3D VtkView::cameraPosition() const {
    const double *p = d->renderer->GetActiveCamera()->GetPosition();
    return {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])};
}

QVector3D VtkView::cameraFocalPoint() const {
    const double *p = d->renderer->GetActiveCamera()->GetFocalPoint();
    return {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])};
}

bool VtkView::isInitialized() const {
    return d->initialized;
}

quint64 VtkView::frameCount() const {
    return d->frames;
}

QImage VtkView::grabImage() {
    if (!d->initialized)
        return {};
    return grabFramebuffer();
}

void VtkView::saveImage(const QString &path) {
    const QImage image = grabImage();
    if (image.isNull())
        throw mowe::WriteError("cannot save the 3-D view to '" + path.toStdString() +
                               "': the view has not been shown yet, so nothing was rendered");
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG"))
        throw mowe::WriteError("cannot encode the 3-D view as PNG for '" + path.toStdString() +
                               "'");
    mowe::writeFileAtomically(QFile::encodeName(path).toStdString(),
                              std::string_view(bytes.constData(), bytes.size()));
}

void VtkView::initializeGL() {
    // A QOpenGLWidget gets a new context when it moves to another top-level window; VTK's
    // GL objects belong to the old one and must be released before it goes.
    disconnect(d->contextConnection);
    d->contextConnection = connect(
        context(),
        &QOpenGLContext::aboutToBeDestroyed,
        this,
        [this] { d->releaseGraphics(); },
        Qt::DirectConnection);

    // VTK caches GL state; the context is new (or was used by Qt), so start from scratch.
    d->window->GetState()->Reset();
    d->window->OpenGLInitContext();
    d->window->SetReadyForRendering(true);
    d->window->SetMapped(1);
    d->initialized = true;
    d->syncSize();
    qCDebug(lcVtk).nospace() << "VTK initialised on an OpenGL "
                             << context()->format().majorVersion() << "."
                             << context()->format().minorVersion() << " context";
    Q_EMIT initialized();
}

void VtkView::resizeGL(int, int) {
    // resizeGL's arguments are device-independent pixels; syncSize works from the widget.
    d->syncSize();
}

void VtkView::paintGL() {
    if (!d->initialized)
        return;
    d->syncSize();
    d->inPaint = true;
    vtkOpenGLState *state = d->window->GetState();
    // Qt changed GL state (and bound its framebuffer) since VTK last looked.
    state->Reset();
    state->Push();
    // Qt leaves the depth function at GL_LESS; VTK's passes expect GL_LEQUAL.
    state->vtkglDepthFunc(GL_LEQUAL);
    d->window->Render();
    state->Pop();
    d->inPaint = false;

    // Force alpha to 1 so neither compositing nor grabbed images see through the view.
    if (QOpenGLContext *ctx = context()) {
        QOpenGLFunctions *f = ctx->functions();
        GLboolean mask[4];
        f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
        GLfloat clear[4];
        f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
        f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
        f->glClearColor(0.f, 0.f, 0.f, 1.f);
        f->glClear(GL_COLOR_BUFFER_BIT);
        f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
        f->glClearColor(clear[0], clear[1], clear[2], clear[3]);
    }
    Q_EMIT frameRendered();
}

void VtkView::mousePressEvent(QMouseEvent *event) {
    d->setEventPosition(event->position(), event->modifiers());
    switch (event->button()) {
    case Qt::LeftButton:
        d->interactor->InvokeEvent(vtkCommand::LeftButtonPressEvent);
        break;
    case Qt::MiddleButton:
        d->interactor->InvokeEvent(vtkCommand::MiddleButtonPressEvent);
        break;
    case Qt::RightButton:
        d->interactor->InvokeEvent(vtkCommand::RightButtonPressEvent);
        break;
    default:
        QOpenGLWidget::mousePressEvent(event);
        return;
    }
    event->accept();
}

void VtkView::mouseDoubleClickEvent(QMouseEvent *event) {
    // VTK reads a double click as a press with a repeat count of one.
    d->setEventPosition(event->position(), event->modifiers(), 1);
    switch (event->button()) {
    case Qt::LeftButton:
        d->interactor->InvokeEvent(vtkCommand::LeftButtonPressEvent);
        break;
    case Qt::MiddleButton:
        d->interactor->InvokeEvent(vtkCommand::MiddleButtonPressEvent);
        break;
    case Qt::RightButton:
        d->interactor->InvokeEvent(vtkCommand::RightButtonPressEvent);
        break;
    default:
        QOpenGLWidget::mouseDoubleClickEvent(event);
        return;
    }
    event->accept();
}

void VtkView::mouseReleaseEvent(QMouseEvent *event) {
    d->setEventPosition(event->position(), event->modifiers());
    switch (event->button()) {
    case Qt::LeftButton:
        d->interactor->InvokeEvent(vtkCommand::LeftButtonReleaseEvent);
        break;
    case Qt::MiddleButton:
        d->interactor->InvokeEvent(vtkCommand::MiddleButtonReleaseEvent);
        break;
    case Qt::RightButton:
        d->interactor->InvokeEvent(vtkCommand::RightButtonReleaseEvent);
        break;
    default:
        QOpenGLWidget::mouseReleaseEvent(event);
        return;
    }
    event->accept();
}

void VtkView::mouseMoveEvent(QMouseEvent *event) {
    d->setEventPosition(event->position(), event->modifiers());
    d->interactor->InvokeEvent(vtkCommand::MouseMoveEvent);
    event->accept();
}

void VtkView::wheelEvent(QWheelEvent *event) {
    // Touchpads deliver small deltas; accumulate them into whole notches.
    d->wheelRemainder += event->angleDelta().y();
    d->setEventPosition(event->position(), event->modifiers());
    while (std::abs(d->wheelRemainder) >= kWheelNotch) {
        const bool forward = d->wheelRemainder > 0;
        d->interactor->InvokeEvent(forward ? vtkCommand::MouseWheelForwardEvent
                                           : vtkCommand::MouseWheelBackwardEvent);
        d->wheelRemainder += forward ? -kWheelNotch : kWheelNotch;
    }
    event->accept();
}

void VtkView::keyPressEvent(QKeyEvent *event) {
    const QString text = event->text();
    const char keyCode = (text.size() == 1 && text.at(0).unicode() < 128)
                             ? static_cast<char>(text.at(0).unicode())
                             : 0;
    const QByteArray keySym = text.toLatin1();
    const QPointF pos = mapFromGlobal(QCursor::pos());
    d->setEventPosition(pos,
                        event->modifiers(),
                        event->isAutoRepeat() ? 1 : 0,
                        keyCode,
                        keySym.isEmpty() ? nullptr : keySym.constData());
    d->interactor->InvokeEvent(vtkCommand::KeyPressEvent);
    if (keyCode != 0)
        d->interactor->InvokeEvent(vtkCommand::CharEvent);
    event->accept();
}

void VtkView::keyReleaseEvent(QKeyEvent *event) {
    const QString text = event->text();
    const char keyCode = (text.size() == 1 && text.at(0).unicode() < 128)
                             ? static_cast<char>(text.at(0).unicode())
                             : 0;
    d->setEventPosition(mapFromGlobal(QCursor::pos()), event->modifiers(), 0, keyCode);
    d->interactor->InvokeEvent(vtkCommand::KeyReleaseEvent);
    event->accept();
}

void VtkView::enterEvent(QEnterEvent *event) {
    d->setEventPosition(event->position(), event->modifiers());
    d->interactor->InvokeEvent(vtkCommand::EnterEvent);
    QOpenGLWidget::enterEvent(event);
}

void VtkView::leaveEvent(QEvent *event) {
    d->interactor->InvokeEvent(vtkCommand::LeaveEvent);
    QOpenGLWidget::leaveEvent(event);
}

} // namespace mowe::ui
