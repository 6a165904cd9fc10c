#include "MainWindow.h"

#include "About.h"
#include "JobRunner.h"
#include "Log.h"
#include "Resources.h"
#include "Workspace.h"
#include "common/atomic_file.h"
#include "regression/RegressionWorkspace.h"
#include "weather/WeatherWorkspace.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>

namespace mowe::ui {

namespace {

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kWorkspaceKey = QStringLiteral("window/workspace");
const QString kRecentKey = QStringLiteral("files/recent");
// Longer than any real path: a value this long is damage, not a file name.
constexpr int kMaxPathLength = 4096;

bool isPlausiblePath(const QString &path) {
    if (path.isEmpty() || path.size() > kMaxPathLength || !QDir::isAbsolutePath(path))
        return false;
    for (const QChar ch : path) {
        if (ch.category() == QChar::Other_Control)
            return false;
    }
    return true;
}

} // namespace

struct MainWindow::Ui {
    QTabWidget *tabs = nullptr;
    QAction *openAction = nullptr;
    QAction *exportAction = nullptr;
    QMenu *recentMenu = nullptr;
    QActionGroup *workspaceGroup = nullptr;
    QList<QAction *> workspaceActions;
    QLabel *jobLabel = nullptr;
    QProgressBar *jobProgress = nullptr;
    QToolButton *cancelButton = nullptr;
};

MainWindow::MainWindow(const MainWindowOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , ui_(std::make_unique<Ui>())
    , options_(options) {
    initResources();
    qRegisterMetaType<mowe::ui::Workspace *>();
    setWindowIcon(QIcon(QStringLiteral(":/mowe/icon.png")));
    settings_ = options_.settingsFile.isEmpty()
                    ? std::make_unique<QSettings>()
                    : std::make_unique<QSettings>(options_.settingsFile, QSettings::IniFormat);

    ui_->tabs = new QTabWidget(this);
    ui_->tabs->setDocumentMode(true);
    setCentralWidget(ui_->tabs);

    buildMenus();
    buildStatusBar();
    addWorkspace(new WeatherWorkspace(ui_->tabs));
    addWorkspace(new RegressionWorkspace(ui_->tabs));
    connect(ui_->tabs, &QTabWidget::currentChanged, this, &MainWindow::onCurrentChanged);

    resize(1280, 800);
    restoreSettings();
    onCurrentChanged();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    ui_->openAction = file->addAction(tr("&Open…"), this, &MainWindow::openDialog);
    ui_->openAction->setShortcut(QKeySequence::Open);
    ui_->recentMenu = file->addMenu(tr("Open &Recent"));
    connect(ui_->recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    ui_->exportAction = file->addAction(tr("&Export…"), this, &MainWindow::exportDialog);
    ui_->exportAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    file->addSeparator();
    file->addAction(tr("Open &Session…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open session"), QDir::homePath(), tr("MoWE Studio session (*.json)"));
        QString error;
        if (!path.isEmpty() && !openSession(path, &error))
            QMessageBox::warning(this, tr("Cannot open session"), error);
    });
    file->addAction(tr("Save Sess&ion…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save session"), QDir::homePath(), tr("MoWE Studio session (*.json)"));
        if (path.isEmpty())
            return;
        try {
            saveSession(path);
        } catch (const mowe::WriteError &e) {
            QMessageBox::warning(this, tr("Cannot save session"), QString::fromUtf8(e.what()));
        }
    });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    ui_->workspaceGroup = new QActionGroup(this);
    ui_->workspaceGroup->setExclusive(true);
    view->addSeparator();
    QAction *statusBarAction = view->addAction(tr("Show &Status Bar"));
    statusBarAction->setCheckable(true);
    statusBarAction->setChecked(true);
    connect(
        statusBarAction, &QAction::toggled, this, [this](bool on) { statusBar()->setVisible(on); });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about =
        help->addAction(tr("&About MoWE Studio"), this, [this] { showAboutDialog(this); });
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::buildStatusBar() {
    ui_->jobLabel = new QLabel(this);
    ui_->jobProgress = new QProgressBar(this);
    ui_->jobProgress->setRange(0, 1000);
    ui_->jobProgress->setMaximumWidth(220);
    ui_->jobProgress->setTextVisible(false);
    ui_->cancelButton = new QToolButton(this);
    ui_->cancelButton->setText(tr("Cancel"));
    ui_->cancelButton->setToolTip(tr("Cancel the running job"));
    ui_->cancelButton->setObjectName(QStringLiteral("cancelJobButton"));
    connect(ui_->cancelButton, &QToolButton::clicked, this, [this] {
        if (Workspace *w = currentWorkspace(); w && w->jobRunner()) {
            w->jobRunner()->cancel();
            ui_->jobLabel->setText(tr("Cancelling…"));
        }
    });
    statusBar()->addPermanentWidget(ui_->jobLabel);
    statusBar()->addPermanentWidget(ui_->jobProgress);
    statusBar()->addPermanentWidget(ui_->cancelButton);
    updateJobStatus();
}

void MainWindow::addWorkspace(Workspace *workspace) {
    const int index = ui_->tabs->addTab(workspace, workspace->title());
    QAction *action = new QAction(workspace->title(), this);
    action->setCheckable(true);
    action->setData(workspace->id());
    if (index < 9)
        action->setShortcut(QKeySequence(tr("Ctrl+%1").arg(index + 1)));
    ui_->workspaceGroup->addAction(action);
    ui_->workspaceActions.append(action);
    // Workspace actions go above the separator in the View menu.
    QMenu *view = menuBar()->findChild<QMenu *>(QStringLiteral("viewMenu"));
    QAction *separator = view->actions().value(ui_->workspaceActions.size() - 1);
    view->insertAction(separator, action);
    connect(action, &QAction::triggered, this, [this, workspace] {
        ui_->tabs->setCurrentWidget(workspace);
    });

    // Only the workspace on screen speaks in the status bar: a background one (the workbench
    // computing its default at start) would otherwise talk over the one being looked at.
    connect(workspace, &Workspace::statusMessage, this, [this, workspace](const QString &message) {
        if (workspace == currentWorkspace())
            statusBar()->showMessage(message, 5000);
    });
    if (JobRunner *jobs = workspace->jobRunner()) {
        connect(jobs, &JobRunner::busyChanged, this, &MainWindow::updateJobStatus);
        connect(jobs, &JobRunner::started, this, &MainWindow::updateJobStatus);
        connect(jobs,
                &JobRunner::progressChanged,
                this,
                [this, workspace](double fraction, const QString &text) {
                    if (workspace != currentWorkspace())
                        return;
                    ui_->jobProgress->setValue(static_cast<int>(fraction * 1000.0));
                    if (!text.isEmpty())
                        ui_->jobLabel->setText(text);
                });
        connect(
            jobs, &JobRunner::failed, this, [this](const QString &title, const QString &message) {
                statusBar()->showMessage(tr("%1 failed: %2").arg(title, message), 10000);
            });
        connect(jobs, &JobRunner::cancelled, this, [this](const QString &title) {
            statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000);
        });
    }
}

QList<Workspace *> MainWindow::workspaces() const {
    QList<Workspace *> result;
    for (int i = 0; i < ui_->tabs->count(); ++i)
        result.append(qobject_cast<Workspace *>(ui_->tabs->widget(i)));
    return result;
}

Workspace *MainWindow::currentWorkspace() const {
    return qobject_cast<Workspace *>(ui_->tabs->currentWidget());
}

Workspace *MainWindow::workspace(const QString &id) const {
    for (Workspace *w : workspaces()) {
        if (w->id() == id)
            return w;
    }
    return nullptr;
}

bool MainWindow::setCurrentWorkspace(const QString &id) {
    Workspace *w = workspace(id);
    if (!w)
        return false;
    ui_->tabs->setCurrentWidget(w);
    return true;
}

void MainWindow::onCurrentChanged() {
    Workspace *w = currentWorkspace();
    if (!w)
        return;
    for (QAction *action : ui_->workspaceActions)
        action->setChecked(action->data().toString() == w->id());
    ui_->openAction->setEnabled(!w->openFilters().isEmpty());
    setWindowTitle(tr("MoWE Studio — %1").arg(w->title()));
    updateJobStatus();
    Q_EMIT currentWorkspaceChanged(w);
}

void MainWindow::updateJobStatus() {
    Workspace *w = currentWorkspace();
    JobRunner *jobs = w ? w->jobRunner() : nullptr;
    const bool busy = jobs && jobs->isBusy();
    ui_->jobLabel->setVisible(busy);
    ui_->jobProgress->setVisible(busy);
    ui_->cancelButton->setVisible(busy);
    if (busy) {
        ui_->jobLabel->setText(jobs->currentTitle());
        ui_->jobProgress->setValue(0);
    }
}

bool MainWindow::openFile(const QString &path, QString *errorMessage) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (!QFileInfo(absolute).isFile()) {
        if (errorMessage)
            *errorMessage =
                tr("%1 does not exist or is not a file.").arg(QDir::toNativeSeparators(absolute));
        return false;
    }
    Workspace *target = currentWorkspace();
    if (!target || !target->canOpen(absolute)) {
        target = nullptr;
        for (Workspace *w : workspaces()) {
            if (w->canOpen(absolute)) {
                target = w;
                break;
            }
        }
    }
    if (!target) {
        if (errorMessage)
            *errorMessage = tr("No workspace opens %1: the file type is not supported.")
                                .arg(QDir::toNativeSeparators(absolute));
        return false;
    }
    ui_->tabs->setCurrentWidget(target);
    if (!target->openFile(absolute, errorMessage))
        return false;
    addRecentFile(absolute);
    return true;
}

void MainWindow::saveSession(const QString &path) const {
    QJsonObject states;
    for (Workspace *w : workspaces())
        states[w->id()] = w->saveState();
    QJsonObject session{{QStringLiteral("format"), QStringLiteral("mowe-studio-session")},
                        {QStringLiteral("version"), 1},
                        {QStringLiteral("current"), currentWorkspace()->id()},
                        {QStringLiteral("workspaces"), states}};
    mowe::writeFileAtomically(std::filesystem::path(QFile::encodeName(path).toStdString()),
                              QJsonDocument(session).toJson().toStdString());
}

bool MainWindow::openSession(const QString &path, QString *errorMessage) {
    auto fail = [&](const QString &message) {
        if (errorMessage)
            *errorMessage = message;
        return false;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(
            tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    // A session is a few kilobytes of settings: anything much larger is not one, and is not
    // read into memory to find that out.
    constexpr qint64 kMaxSessionBytes = 16 << 20;
    if (file.size() > kMaxSessionBytes)
        return fail(tr("%1 is %2 bytes, more than a session can be (%3 bytes): it is not a "
                       "MoWE Studio session.")
                        .arg(QDir::toNativeSeparators(path))
                        .arg(file.size())
                        .arg(kMaxSessionBytes));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (doc.isNull())
        return fail(tr("%1 is not valid JSON (at byte %2: %3).")
                        .arg(QDir::toNativeSeparators(path))
                        .arg(parseError.offset)
                        .arg(parseError.errorString()));
    const QJsonObject session = doc.object();
    if (session.value(QStringLiteral("format")).toString() != QLatin1String("mowe-studio-session"))
        return fail(tr("%1 is not a MoWE Studio session (its \"format\" is not "
                       "\"mowe-studio-session\").")
                        .arg(QDir::toNativeSeparators(path)));
    const QJsonObject states = session.value(QStringLiteral("workspaces")).toObject();
    QStringList problems;
    for (Workspace *w : workspaces()) {
        QString error;
        if (states.contains(w->id()) && !w->restoreState(states.value(w->id()).toObject(), &error))
            problems << QStringLiteral("%1: %2").arg(w->title(), error);
    }
    setCurrentWorkspace(session.value(QStringLiteral("current")).toString());
    if (!problems.isEmpty())
        return fail(problems.join(QLatin1Char('\n')));
    return true;
}

void MainWindow::openDialog() {
    Workspace *w = currentWorkspace();
    if (!w || w->openFilters().isEmpty())
        return;
    const QString start =
        recentFiles_.isEmpty() ? QDir::homePath() : QFileInfo(recentFiles_.first()).path();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open in %1").arg(w->title()), start, w->openFilters().join(QStringLiteral(";;")));
    if (path.isEmpty())
        return;
    QString error;
    if (!openFile(path, &error))
        QMessageBox::warning(this, tr("Cannot open file"), error);
}

void MainWindow::exportDialog() {
    Workspace *w = currentWorkspace();
    if (!w)
        return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export %1").arg(w->title()), QDir::homePath(), w->exportFilter());
    if (path.isEmpty())
        return;
    try {
        w->exportTo(path);
        statusBar()->showMessage(tr("Exported to %1").arg(QDir::toNativeSeparators(path)), 5000);
    } catch (const mowe::WriteError &e) {
        QMessageBox::warning(this, tr("Export failed"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::addRecentFile(const QString &path) {
    recentFiles_.removeAll(path);
    recentFiles_.prepend(path);
    while (recentFiles_.size() > kMaxRecentFiles)
        recentFiles_.removeLast();
    if (options_.saveSettings) {
        settings_->setValue(kRecentKey, recentFiles_);
        settings_->sync();
    }
}

void MainWindow::rebuildRecentMenu() {
    ui_->recentMenu->clear();
    for (const QString &path : recentFiles_) {
        QAction *action = ui_->recentMenu->addAction(QDir::toNativeSeparators(path));
        // A file that has gone since stays listed (it may be on a drive not mounted now)
        // but cannot be chosen.
        action->setEnabled(QFileInfo(path).isFile());
        connect(action, &QAction::triggered, this, [this, path] {
            QString error;
            if (!openFile(path, &error))
                QMessageBox::warning(this, tr("Cannot open file"), error);
        });
    }
    if (recentFiles_.isEmpty())
        ui_->recentMenu->addAction(tr("(no recent files)"))->setEnabled(false);
    ui_->recentMenu->addSeparator();
    QAction *clear = ui_->recentMenu->addAction(tr("Clear Recent Files"), this, [this] {
        recentFiles_.clear();
        if (options_.saveSettings) {
            settings_->setValue(kRecentKey, recentFiles_);
            settings_->sync();
        }
    });
    clear->setEnabled(!recentFiles_.isEmpty());
}

void MainWindow::settingsWarning(const QString &message) {
    settingsWarnings_.append(message);
    qCWarning(lcUi).noquote() << message;
}

void MainWindow::restoreSettings() {
    const QString where = QDir::toNativeSeparators(settings_->fileName());
    if (settings_->status() != QSettings::NoError) {
        settingsWarning(tr("The settings file %1 could not be read (%2); using defaults.")
                            .arg(where,
                                 settings_->status() == QSettings::FormatError
                                     ? tr("it is not a valid INI file")
                                     : tr("access error")));
        return;
    }

    // Every value is checked for type and range: a hand-edited or damaged file must only
    // ever cost the user the damaged setting.
    const QVariant recent = settings_->value(kRecentKey);
    if (recent.isValid()) {
        // INI files store a one-element list as a plain string.
        QVariantList items;
        if (recent.typeId() == QMetaType::QString)
            items.append(recent);
        else if (recent.typeId() == QMetaType::QStringList ||
                 recent.typeId() == QMetaType::QVariantList)
            items = recent.toList();
        else
            settingsWarning(
                tr("Ignoring %1 in %2: expected a list of file paths.").arg(kRecentKey, where));
        int dropped = 0;
        for (const QVariant &item : items) {
            const QString path = item.typeId() == QMetaType::QString ? item.toString() : QString();
            if (isPlausiblePath(path) && !recentFiles_.contains(path) &&
                recentFiles_.size() < kMaxRecentFiles)
                recentFiles_.append(path);
            else
                ++dropped;
        }
        if (dropped > 0)
            settingsWarning(tr("Ignoring %1 entries of %2 in %3 that are not absolute file paths "
                               "(or repeat one, or are beyond the %4 kept).")
                                .arg(dropped)
                                .arg(kRecentKey, where)
                                .arg(kMaxRecentFiles));
    }

    if (!options_.restoreState)
        return;

    const QVariant geometry = settings_->value(kGeometryKey);
    if (geometry.isValid() &&
        (geometry.typeId() != QMetaType::QByteArray || !restoreGeometry(geometry.toByteArray())))
        settingsWarning(
            tr("Ignoring %1 in %2: not a saved window geometry.").arg(kGeometryKey, where));
    const QVariant state = settings_->value(kStateKey);
    if (state.isValid() &&
        (state.typeId() != QMetaType::QByteArray || !restoreState(state.toByteArray())))
        settingsWarning(tr("Ignoring %1 in %2: not a saved window state.").arg(kStateKey, where));

    const QVariant workspaceId = settings_->value(kWorkspaceKey);
    if (workspaceId.isValid() && (workspaceId.typeId() != QMetaType::QString ||
                                  !setCurrentWorkspace(workspaceId.toString())))
        settingsWarning(tr("Ignoring %1 in %2: there is no workspace \"%3\".")
                            .arg(kWorkspaceKey, where, workspaceId.toString().left(80)));
}

void MainWindow::saveSettings() {
    if (!options_.saveSettings)
        return;
    settings_->setValue(kGeometryKey, saveGeometry());
    settings_->setValue(kStateKey, saveState());
    if (Workspace *w = currentWorkspace())
        settings_->setValue(kWorkspaceKey, w->id());
    settings_->setValue(kRecentKey, recentFiles_);
    settings_->sync();
    if (settings_->status() != QSettings::NoError)
        qCWarning(lcUi).noquote() << tr("Could not write the settings to %1.")
                                         .arg(QDir::toNativeSeparators(settings_->fileName()));
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace mowe::ui
