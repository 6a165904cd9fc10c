#include "regression/RegressionWorkspace.h"

#include "JobRunner.h"
#include "Log.h"
#include "vtk/SurfacePlot.h"
#include "vtk/VtkView.h"

#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

namespace mowe::ui {

namespace {
constexpr int kSamples = 121; // per axis: 0.1 spacing on [-6, 6]
constexpr double kHalfWidth = 6.0;
} // namespace

RegressionWorkspace::RegressionWorkspace(QWidget *parent)
    : Workspace(parent)
    , view_(new VtkView(this))
    , caption_(new QLabel(this))
    , jobs_(new JobRunner(this)) {
    caption_->setObjectName(QStringLiteral("regressionCaption"));
    caption_->setContentsMargins(10, 4, 10, 4);
    caption_->setWordWrap(true);
    caption_->setText(tr("A demonstration landscape, f(x, y) = sin x · cos y · e^(−(x²+y²)/18) + "
                         "(x²+y²)/60. Drag to rotate, Shift+drag to pan, wheel to zoom, r to "
                         "reset the camera."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(view_, 1);
    layout->addWidget(caption_);

    connect(jobs_, &JobRunner::failed, this, [this](const QString &, const QString &message) {
        caption_->setText(tr("Could not compute the landscape: %1").arg(message));
        ready_ = true;
        Q_EMIT ready();
    });
    computeSurface();
}

RegressionWorkspace::~RegressionWorkspace() = default;

double RegressionWorkspace::demoLandscape(double x, double y) {
    const double r2 = x * x + y * y;
    return std::sin(x) * std::cos(y) * std::exp(-r2 / 18.0) + r2 / 60.0;
}

void RegressionWorkspace::exportTo(const QString &path) {
    view_->saveImage(path);
}

void RegressionWorkspace::computeSurface() {
    ready_ = false;
    jobs_->start(
        tr("Computing the landscape"),
        [](JobContext &context) {
            HeightField field;
            field.columns = kSamples;
            field.rows = kSamples;
            field.xMin = field.yMin = -kHalfWidth;
            field.xMax = field.yMax = kHalfWidth;
            field.heights.resize(static_cast<std::size_t>(kSamples) * kSamples);
            const double step = 2.0 * kHalfWidth / (kSamples - 1);
            for (int r = 0; r < kSamples && !context.isCancelled(); ++r) {
                for (int c = 0; c < kSamples; ++c)
                    field.heights[static_cast<std::size_t>(r) * kSamples + c] =
                        demoLandscape(-kHalfWidth + c * step, -kHalfWidth + r * step);
                context.setProgress(static_cast<double>(r + 1) / kSamples);
            }
            return field;
        },
        [this](HeightField field) {
            SurfaceStyle style;
            style.scalarTitle = tr("f(x, y)");
            showHeightField(*view_, field, style);
            qCDebug(lcRegression) << "demo landscape shown," << field.columns << "x" << field.rows;
            ready_ = true;
            Q_EMIT ready();
        });
}

} // namespace mowe::ui
