#pragma once
// The Weather experts workspace. For now it shows a photo (the bundled default at start) in
// a zoomable view and says that no model is loaded yet; the model integration replaces the
// body, keeping the Workspace contract (ready(), File → Open of images, Export).

#include "Workspace.h"

class QLabel;

namespace mowe::ui {

class ImageView;
class JobRunner;

class WeatherWorkspace : public Workspace {
    Q_OBJECT
public:
    /// Starts loading `photo` (default: mowe::defaultPhotoPath()) in the background.
    explicit WeatherWorkspace(QWidget *parent = nullptr, const QString &photo = {});
    ~WeatherWorkspace() override;

    QString id() const override { return QStringLiteral("weather"); }
    QString title() const override { return tr("Weather experts"); }
    bool isReady() const override { return ready_; }

    QStringList openFilters() const override;
    bool openFile(const QString &path, QString *errorMessage) override;
    void exportTo(const QString &path) override;
    JobRunner *jobRunner() const override { return jobs_; }

    /// The photo shown (empty while none loaded) and its path.
    QImage photo() const;
    QString photoPath() const { return photoPath_; }
    /// The text of the "no model loaded" note (for tests and screen readers).
    QString noteText() const;
    /// The last load error, empty when the last load succeeded.
    QString loadError() const { return loadError_; }

private:
    void load(const QString &path);
    void setReady(bool ready);

    ImageView *view_;
    QLabel *note_;
    QLabel *caption_;
    JobRunner *jobs_;
    QString photoPath_;
    QString loadError_;
    bool ready_ = false;
};

} // namespace mowe::ui
