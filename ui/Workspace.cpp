#include "Workspace.h"

#include "common/atomic_file.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QRegularExpression>

namespace mowe::ui {

bool Workspace::canOpen(const QString &path) const {
    // Filters look like "Images (*.jpg *.png)"; a file is accepted by its suffix.
    static const QRegularExpression pattern(QStringLiteral("\\*\\.([A-Za-z0-9_]+)"));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix.isEmpty())
        return false;
    for (const QString &filter : openFilters()) {
        for (auto it = pattern.globalMatch(filter); it.hasNext();) {
            if (it.next().captured(1).toLower() == suffix)
                return true;
        }
    }
    return false;
}

bool Workspace::openFile(const QString &path, QString *errorMessage) {
    if (errorMessage)
        *errorMessage = tr("The %1 workspace does not open files (%2).").arg(title(), path);
    return false;
}

QString Workspace::exportFilter() const {
    return tr("PNG image (*.png)");
}

void Workspace::exportTo(const QString &path) {
    writePng(grab().toImage(), path);
}

QString Workspace::exportWithDialog(QWidget *parent,
                                    const QString &filter,
                                    const std::function<void(const QString &)> &write) {
    const QString path =
        QFileDialog::getSaveFileName(parent, tr("Export"), QDir::homePath(), filter);
    if (path.isEmpty())
        return {};
    try {
        write(path);
        return path;
    } catch (const std::exception &e) {
        QMessageBox::warning(parent, tr("Export failed"), QString::fromUtf8(e.what()));
        return {};
    }
}

void Workspace::writePng(const QImage &image, const QString &path) {
    if (image.isNull())
        throw mowe::WriteError("cannot export to '" + path.toStdString() +
                               "': there is nothing to export yet");
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG"))
        throw mowe::WriteError("cannot encode the image as PNG for '" + path.toStdString() + "'");
    mowe::writeFileAtomically(QFile::encodeName(path).toStdString(),
                              std::string_view(bytes.constData(), bytes.size()));
}

} // namespace mowe::ui
