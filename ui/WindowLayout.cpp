#include "WindowLayout.h"

#include "ChartsView.h"
#include "ConnectionBar.h"
#include "LiveEventsView.h"
#include "MainWindow.h"
#include "Session.h"
#include "StreamListPane.h"

#include <QHeaderView>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>

namespace streamscope {

namespace WindowLayout {

void save(MainWindow &window, QSettings &s) {
    s.beginGroup(QStringLiteral("window"));
    s.setValue(QStringLiteral("geometry"), window.saveGeometry());
    s.setValue(QStringLiteral("state"), window.saveState());
    s.setValue(QStringLiteral("mainSplitter"), window.mainSplitter()->saveState());
    s.setValue(QStringLiteral("liveSplitter"), window.liveView()->splitter()->saveState());
    s.setValue(QStringLiteral("eventColumns"), window.eventView()->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("streamColumns"),
               window.streamView()->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("tab"), MainWindow::tabNames().value(window.tabs()->currentIndex()));
    s.setValue(QStringLiteral("watchedStreams"), window.selectedStreams());
    s.setValue(QStringLiteral("chartWindowMinutes"), window.chartsView()->windowMinutesShown());
    s.endGroup();
    // The last connection: its saved name, or its URL without any password.
    if (window.remembersConnection())
        s.setValue(QStringLiteral("lastConnection"),
                   !window.connectionName().isEmpty()
                       ? QStringLiteral("saved:") + window.connectionName()
                   : window.session() ? window.settings().displayUrl(false)
                                      : QString());
    s.sync();
}

QString restore(MainWindow &window, QSettings &s) {
    s.beginGroup(QStringLiteral("window"));
    window.restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray());
    window.restoreState(s.value(QStringLiteral("state")).toByteArray());
    window.mainSplitter()->restoreState(s.value(QStringLiteral("mainSplitter")).toByteArray());
    window.liveView()->splitter()->restoreState(
        s.value(QStringLiteral("liveSplitter")).toByteArray());
    window.eventView()->horizontalHeader()->restoreState(
        s.value(QStringLiteral("eventColumns")).toByteArray());
    window.streamView()->horizontalHeader()->restoreState(
        s.value(QStringLiteral("streamColumns")).toByteArray());
    window.showTab(s.value(QStringLiteral("tab"), QStringLiteral("events")).toString());
    window.streamPane()->restoreSelection(s.value(QStringLiteral("watchedStreams")).toStringList());
    if (s.contains(QStringLiteral("chartWindowMinutes")))
        window.chartsView()->setWindowMinutes(
            s.value(QStringLiteral("chartWindowMinutes")).toInt());
    s.endGroup();
    return s.value(QStringLiteral("lastConnection")).toString();
}

} // namespace WindowLayout

} // namespace streamscope
