#pragma once
// Help → About: the versions of the libraries in use and the attributions of the shipped
// photographs (resources/images/ATTRIBUTION.md, compiled into the program).

#include <QString>

class QWidget;

namespace mowe::ui {

struct LibraryVersions {
    QString mowe, qtRuntime, qtBuild, vtk, opencv, torch, eigen;
};

/// Versions as built (VTK, OpenCV, Eigen, LibTorch: "not built" without MOWE_HAVE_TORCH) and
/// as running (Qt).
LibraryVersions libraryVersions();

/// The shipped photographs' attribution table (Markdown), from the compiled-in copy of
/// resources/images/ATTRIBUTION.md.
QString photoAttributions();

/// The whole About text, Markdown.
QString aboutMarkdown();

/// Shows the About dialog (modal).
void showAboutDialog(QWidget *parent);

} // namespace mowe::ui
