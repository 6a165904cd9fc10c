#include "weather/WeatherWorkspace.h"

#include "ImageView.h"
#include "JobRunner.h"
#include "Log.h"
#include "common/resources.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QVBoxLayout>

#include <stdexcept>

namespace mowe::ui {

WeatherWorkspace::WeatherWorkspace(QWidget *parent, const QString &photo)
    : Workspace(parent)
    , view_(new ImageView(this))
    , note_(new QLabel(this))
    , caption_(new QLabel(this))
    , jobs_(new JobRunner(this)) {
    note_->setObjectName(QStringLiteral("noModelNote"));
    note_->setText(tr("No model is loaded yet: this shows the photo as it is. Restoring it "
                      "with the weather experts comes with the shipped model."));
    note_->setWordWrap(true);
    note_->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; color: #3b2f00; "
                                        "padding: 6px 10px; border-bottom: 1px solid #e0c060; }"));
    caption_->setObjectName(QStringLiteral("photoCaption"));
    caption_->setContentsMargins(10, 4, 10, 4);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(note_);
    layout->addWidget(view_, 1);
    layout->addWidget(caption_);

    // A failed or cancelled load has finished computing too: the workspace is ready, showing
    // the reason instead of a photo.
    connect(jobs_, &JobRunner::failed, this, [this](const QString &, const QString &message) {
        loadError_ = message;
        caption_->setText(tr("Could not load the photo: %1").arg(message));
        qCWarning(lcWeather).noquote() << message;
        setReady(true);
    });
    connect(jobs_, &JobRunner::cancelled, this, [this](const QString &) {
        caption_->setText(tr("Loading cancelled."));
        setReady(true);
    });

    const QString initial =
        photo.isEmpty() ? QFile::decodeName(mowe::defaultPhotoPath().string().c_str()) : photo;
    load(initial);
}

WeatherWorkspace::~WeatherWorkspace() = default;

QStringList WeatherWorkspace::openFilters() const {
    return {tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp)")};
}

bool WeatherWorkspace::openFile(const QString &path, QString *errorMessage) {
    // Check the header now so an unreadable file is refused at once, with the reason; the
    // decode itself runs in the background.
    QImageReader probe(path);
    if (!probe.canRead()) {
        if (errorMessage)
            *errorMessage = tr("Cannot open %1 as an image: %2.")
                                .arg(QDir::toNativeSeparators(path), probe.errorString());
        return false;
    }
    load(path);
    return true;
}

void WeatherWorkspace::exportTo(const QString &path) {
    writePng(view_->image(), path);
}

QImage WeatherWorkspace::photo() const {
    return view_->image();
}

QString WeatherWorkspace::noteText() const {
    return note_->text();
}

void WeatherWorkspace::load(const QString &path) {
    setReady(false);
    caption_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    jobs_->start(
        tr("Loading %1").arg(QFileInfo(path).fileName()),
        [path](JobContext &context) {
            QImageReader reader(path);
            reader.setAutoTransform(true); // honour EXIF orientation, as cameras expect
            context.setProgress(0.1);
            QImage image = reader.read();
            if (image.isNull())
                throw std::runtime_error(QStringLiteral("cannot read %1: %2")
                                             .arg(path, reader.errorString())
                                             .toStdString());
            context.setProgress(1.0);
            return image;
        },
        [this, path](QImage image) {
            photoPath_ = path;
            loadError_.clear();
            view_->setImage(image);
            caption_->setText(tr("%1 — %2 × %3 px")
                                  .arg(QFileInfo(path).fileName())
                                  .arg(image.width())
                                  .arg(image.height()));
            qCDebug(lcWeather) << "showing" << path << image.size();
            setReady(true);
        });
}

void WeatherWorkspace::setReady(bool ready) {
    if (ready_ == ready)
        return;
    ready_ = ready;
    if (ready)
        Q_EMIT this->ready();
}

} // namespace mowe::ui
