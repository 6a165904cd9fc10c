#pragma once
// One Qt logging category per subsystem of the GUI. Warnings are on by default, debug and
// info only with `mowe-studio --verbose` (or QT_LOGGING_RULES="mowe.*.debug=true").
// Records from core/ (mowe::log) arrive in the category named "mowe.<core category>".

#include <QLoggingCategory>

namespace mowe::ui {

Q_DECLARE_LOGGING_CATEGORY(lcUi)         // mowe.ui: main window, settings, command line
Q_DECLARE_LOGGING_CATEGORY(lcJobs)       // mowe.jobs: background jobs
Q_DECLARE_LOGGING_CATEGORY(lcVtk)        // mowe.vtk: VtkView and VTK's own output window
Q_DECLARE_LOGGING_CATEGORY(lcWeather)    // mowe.weather: the weather-experts workspace
Q_DECLARE_LOGGING_CATEGORY(lcRegression) // mowe.regression: the regression workbench

} // namespace mowe::ui
