#pragma once

#include <QFrame>
#include <QList>
#include <QString>

class QVBoxLayout;

namespace streamscope {

// Above the window in `--demo`: what of the demo stopped (a shop service, the private
// redis-server), when, how, its last words, and a button that starts it again. One row for each
// thing stopped, in the look of WarningBanner (the palette's note colours); hidden when nothing
// is stopped. It knows nothing of the shop: the caller gives it rows (from ShopDemo::stopped())
// and acts on restartRequested.
class DemoBanner : public QFrame {
    Q_OBJECT
public:
    struct Item {
        QString name;    // the key given back by restartRequested
        QString program; // "payment-service", "redis-server"
        bool server = false;
        bool clusterNode = false; // a node of the demo's cluster
        quint16 port = 0;
        int exitCode = 0;
        bool crashed = false; // killed by a signal: exitCode is its number
        qint64 atMs = 0;      // ms since the epoch
        QString lastOutput;   // its last lines, oldest first
        int deaths = 1;       // how many times it stopped since the demo started
        QString restartError; // why the last restart failed, if it did
        bool planned = false; // the demo's own crash, back by itself at restartAtMs
        qint64 restartAtMs = 0;
    };

    explicit DemoBanner(QWidget *parent = nullptr);
    void setItems(const QList<Item> &items);
    QList<Item> items() const { return m_items; }
    // Every row's text, one a line: what the user reads.
    QString text() const;
    // "The demo's payment-service (payments-2) stopped (killed by SIGKILL at 03:12:09; its last
    // output: ...)." and what else the row says.
    static QString describe(const Item &item);

Q_SIGNALS:
    void restartRequested(const QString &name);

private:
    QList<Item> m_items;
    QVBoxLayout *m_rows;
};

// Shows demo's stopped things on banner and restarts them from its buttons, for as long as both
// live. Demo is shop::ShopDemo (stopped(), stoppedChanged(), restart()): a template so that the
// widgets library needs no link to the shop's.
template <class Demo> void showDemoOn(DemoBanner *banner, Demo *demo) {
    auto update = [banner, demo] {
        QList<DemoBanner::Item> items;
        for (const auto &s : demo->stopped())
            items.append({s.name, s.program, s.server, s.clusterNode, s.port, s.exitCode, s.crashed,
                          s.atMs, s.lastOutput, s.deaths, s.restartError, s.planned,
                          s.restartAtMs});
        banner->setItems(items);
    };
    QObject::connect(demo, &Demo::stoppedChanged, banner, update);
    // A failed restart is said on the banner (restartError).
    QObject::connect(banner, &DemoBanner::restartRequested, demo,
                     [demo](const QString &name) { (void)demo->restart(name); });
    update();
}

} // namespace streamscope
