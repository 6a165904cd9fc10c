#pragma once
// The main window: menus (File, View, Help), the workspaces as tabs, a status bar showing
// the current workspace's background job with a cancel button, and the settings (window
// geometry, current workspace, recent files) kept with QSettings.

#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <memory>

class QSettings;

namespace mowe::ui {

class Workspace;

struct MainWindowOptions {
    /// An INI file to keep the settings in; empty: the user's settings
    /// (~/.config/MoWE/MoWE Studio.conf).
    QString settingsFile;
    /// Restore the saved window geometry and workspace (false for --screenshot, which
    /// renders at a fixed size).
    bool restoreState = true;
    /// Write the settings back when the window closes or the recent files change.
    bool saveSettings = true;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// At most this many recent files are kept.
    static constexpr int kMaxRecentFiles = 10;

    explicit MainWindow(const MainWindowOptions &options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    QList<Workspace *> workspaces() const;
    Workspace *currentWorkspace() const;
    /// The workspace with this id ("weather", "regression"), or null.
    Workspace *workspace(const QString &id) const;
    /// Returns false (and changes nothing) for an unknown id.
    bool setCurrentWorkspace(const QString &id);

    /// Opens `path` in the current workspace if it accepts the file type, else in the first
    /// workspace that does (switching to it). On success the file joins the recent files.
    /// Returns false with a message the user can act on.
    bool openFile(const QString &path, QString *errorMessage);

    QStringList recentFiles() const { return recentFiles_; }
    /// Problems found while reading the settings (each also logged as a warning).
    QStringList settingsWarnings() const { return settingsWarnings_; }

    void saveSettings();

    /// File → Save Session: every workspace's Workspace::saveState() (inputs, model,
    /// settings, view) and the current workspace in one JSON file, written atomically.
    /// Throws mowe::WriteError.
    void saveSession(const QString &path) const;
    /// File → Open Session: restores what saveSession() wrote. Returns false with a message
    /// (the file unreadable or not a session, or a workspace refusing its state).
    bool openSession(const QString &path, QString *errorMessage);

Q_SIGNALS:
    void currentWorkspaceChanged(mowe::ui::Workspace *workspace);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void addWorkspace(Workspace *workspace);
    void restoreSettings();
    void settingsWarning(const QString &message);
    void addRecentFile(const QString &path);
    void rebuildRecentMenu();
    void onCurrentChanged();
    void updateJobStatus();
    void openDialog();
    void exportDialog();

    struct Ui;
    std::unique_ptr<Ui> ui_;
    MainWindowOptions options_;
    std::unique_ptr<QSettings> settings_;
    QStringList recentFiles_;
    QStringList settingsWarnings_;
};

} // namespace mowe::ui
