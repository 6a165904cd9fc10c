#pragma once
// What the main window needs from a workspace (a tab: Weather experts, Regression
// workbench). A workspace owns its widgets and its background jobs; the main window routes
// File → Open / Export to the current workspace, shows the workspace's jobs in the status
// bar, and waits for ready() before `mowe-studio --screenshot` grabs the window.

#include <QImage>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

namespace mowe::ui {

class JobRunner;

class Workspace : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;

    /// Stable identifier used by --workspace and the settings ("weather", "regression").
    virtual QString id() const = 0;
    /// Tab and menu label.
    virtual QString title() const = 0;

    /// True when everything the workspace shows has been computed (no job pending, views
    /// drawn once). Emit ready() on the transition to true.
    virtual bool isReady() const = 0;

    /// File-dialog filters for File → Open ("Images (*.jpg *.png)"); empty means this
    /// workspace opens no files and File → Open is disabled while it is current.
    virtual QStringList openFilters() const { return {}; }
    /// Whether openFile() would accept `path` (by its suffix; contents are checked later).
    virtual bool canOpen(const QString &path) const;
    /// Opens `path` (asynchronously if it is slow: become not-ready, then ready() again).
    /// Returns false with a message the user can act on when the file is refused outright.
    virtual bool openFile(const QString &path, QString *errorMessage);

    /// File-dialog filter for File → Export; the default exports the workspace as a PNG.
    virtual QString exportFilter() const;
    /// Writes what the workspace shows to `path`, atomically. Throws mowe::WriteError.
    /// The default grabs the whole workspace widget.
    virtual void exportTo(const QString &path);

    /// The runner whose jobs the status bar shows (progress, cancel); may be null.
    virtual JobRunner *jobRunner() const { return nullptr; }

    /// The workspace's state for File → Save Session (inputs, model, settings, view) as one
    /// JSON object; the default saves nothing.
    virtual QJsonObject saveState() const { return {}; }
    /// Restores what saveState() wrote (asynchronously if slow). Returns false with a message
    /// when the state cannot be used; the default accepts anything and changes nothing.
    virtual bool restoreState(const QJsonObject &state, QString *errorMessage) {
        Q_UNUSED(state);
        Q_UNUSED(errorMessage);
        return true;
    }

    /// Encodes `image` as PNG and writes it atomically; throws mowe::WriteError. Public for
    /// the panels inside a workspace that export their own pictures.
    static void writePng(const QImage &image, const QString &path);
    /// Asks for a file name (a save dialog with `filter`), then calls `write` with it. Returns
    /// the path written; empty when the user cancelled or `write` threw, in which case a
    /// warning box has shown the reason.
    static QString exportWithDialog(QWidget *parent,
                                    const QString &filter,
                                    const std::function<void(const QString &)> &write);

Q_SIGNALS:
    /// isReady() became true.
    void ready();
    /// A short message for the status bar.
    void statusMessage(const QString &message);
};

} // namespace mowe::ui
