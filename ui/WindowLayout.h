#pragma once

#include <QString>

class QSettings;

namespace streamscope {

class MainWindow;

// The window's layout in QSettings (group "window"): geometry, splitters, column widths, the
// tab, the chart window, the streams watched, and (top level) the last connection: its saved
// name ("saved:NAME") or its URL without any password. The flow view keeps its own settings.
namespace WindowLayout {
void save(MainWindow &window, QSettings &settings);
// Returns the last connection ("" when none).
QString restore(MainWindow &window, QSettings &settings);
} // namespace WindowLayout

} // namespace streamscope
