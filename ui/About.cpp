#include "About.h"

#include "Resources.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtGlobal>

namespace mowe::ui {

LibraryVersions libraryVersions() {
    LibraryVersions v;
    v.mowe = QStringLiteral(MOWE_VERSION);
    v.qtRuntime = QString::fromLatin1(qVersion());
    v.qtBuild = QStringLiteral(QT_VERSION_STR);
    v.vtk = QStringLiteral(MOWE_VTK_VERSION);
    v.opencv = QStringLiteral(MOWE_OPENCV_VERSION);
    v.eigen = QStringLiteral(MOWE_EIGEN_VERSION);
#ifdef MOWE_HAVE_TORCH
    v.torch = QStringLiteral(MOWE_TORCH_VERSION);
    if (v.torch.isEmpty())
        v.torch = QObject::tr("built (version unknown)");
#else
    v.torch = QObject::tr("not built (configured with MOWE_BUILD_TORCH=OFF)");
#endif
    return v;
}

QString photoAttributions() {
    initResources();
    QFile file(QStringLiteral(":/mowe/ATTRIBUTION.md"));
    if (!file.open(QIODevice::ReadOnly))
        return QObject::tr("(the attribution file is missing from this build)");
    QString text = QString::fromUtf8(file.readAll());
    // Drop the file's own title; the About text supplies the heading.
    if (text.startsWith(QLatin1Char('#')))
        text = text.section(QLatin1Char('\n'), 1);
    return text.trimmed();
}

QString aboutMarkdown() {
    const LibraryVersions v = libraryVersions();
    QString text;
    text += QStringLiteral("# MoWE Studio %1\n\n").arg(v.mowe);
    text += QObject::tr("Look inside mixture-of-weather-experts image restoration and "
                        "attention regression.\n\n");
    text += QObject::tr("## Libraries\n\n");
    text += QStringLiteral("| library | version |\n|---|---|\n");
    text += QStringLiteral("| Qt | %1 (built with %2) |\n").arg(v.qtRuntime, v.qtBuild);
    text += QStringLiteral("| VTK | %1 |\n").arg(v.vtk);
    text += QStringLiteral("| OpenCV | %1 |\n").arg(v.opencv);
    text += QStringLiteral("| LibTorch | %1 |\n").arg(v.torch);
    text += QStringLiteral("| Eigen | %1 |\n\n").arg(v.eigen);
    text += QObject::tr("## Photographs\n\n");
    text += photoAttributions();
    text += QLatin1Char('\n');
    return text;
}

void showAboutDialog(QWidget *parent) {
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("About MoWE Studio"));
    auto *browser = new QTextBrowser(&dialog);
    browser->setObjectName(QStringLiteral("aboutText"));
    browser->setOpenExternalLinks(true);
    browser->setMarkdown(aboutMarkdown());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(browser);
    layout->addWidget(buttons);
    dialog.resize(820, 600);
    dialog.exec();
}

} // namespace mowe::ui
