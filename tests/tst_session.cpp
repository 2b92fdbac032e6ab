// One session per connection (issue 12): the window against real redis-servers. Switching
// servers leaves nothing of the first anywhere; a server that stops answering greys what it
// said and dates it; read-only is a switch changed in place (the live table stays) and a
// connection saved read-only stops writing at once; the live table can be paused.
#include "ChartsView.h"
#include "ConnectionBar.h"
#include "ConnectionDialog.h"
#include "FlowView.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupsPanel.h"
#include "LiveEventModel.h"
#include "LiveEventsView.h"
#include "MainWindow.h"
#include "PublishView.h"
#include "Session.h"
#include "StreamListModel.h"
#include "TestRedis.h"
#include "Wording.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace streamscope;
using namespace streamscope::test;

namespace {

QStringList listedStreams(const MainWindow &window) {
    QStringList names;
    for (int row = 0; row < window.streamModel()->rowCount(); ++row)
        names << QString::fromUtf8(
            window.streamModel()->index(row, 0).data(StreamListModel::NameRole).toByteArray());
    names.sort();
    return names;
}

QSet<QByteArray> rowStreams(const MainWindow &window) {
    window.eventModel()->flush();
    QSet<QByteArray> seen;
    for (int row = 0; row < window.eventModel()->rowCount(); ++row)
        seen.insert(window.eventModel()->entry(row).stream);
    return seen;
}

// Publishes to stream until the window's live table shows it (the tail starts at "$").
bool waitForRows(MainWindow &window, RedisConnection &admin, const QByteArray &stream) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 10000) {
        run(admin, {"XADD", stream, "*", "orderId", "4711", "type", "order.created"});
        QTest::qWait(100);
        if (rowStreams(window).contains(stream))
            return true;
    }
    return false;
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        STREAMSCOPE_START_REDIS(m_a);
        STREAMSCOPE_START_REDIS(m_b);
    }

    void switchingServersLeavesNothingOfTheFirst() {
        auto a = connectTo(m_a.settings());
        auto b = connectTo(m_b.settings());
        run(*a, {"XADD", "a-orders", "*", "type", "seed"});
        run(*a, {"XGROUP", "CREATE", "a-orders", "a-group", "0"});
        run(*b, {"XADD", "b-payments", "*", "type", "seed"});

        MainWindow window;
        window.connectTo(m_a.settings());
        QTRY_COMPARE(listedStreams(window), QStringList{QStringLiteral("a-orders")});
        QVERIFY(waitForRows(window, *a, "a-orders"));
        QTRY_VERIFY(window.serverText().contains(QString::number(m_a.port())));
        // A's group is shown (the panel selects the worst group): switching must not call it gone.
        QTRY_VERIFY(!window.session()->lastGroups().streams.isEmpty());
        QPointer<Session> first = window.session();
        QVERIFY(first);

        // Server A keeps writing while the window switches: nothing it sends may land.
        window.connectTo(m_b.settings());
        QVERIFY(!first); // the first session is gone whole
        // A's groups did not "go away": they belong to another server.
        QVERIFY2(window.groupsPanel()->goneNote().isEmpty(),
                 qPrintable(window.groupsPanel()->goneNote()));
        QCOMPARE(window.eventModel()->rowCount(), 0);
        QVERIFY(window.serverText().isEmpty());
        for (int i = 0; i < 20; ++i)
            run(*a, {"XADD", "a-orders", "*", "type", "late"});
        QTRY_COMPARE(listedStreams(window), QStringList{QStringLiteral("b-payments")});
        QVERIFY(waitForRows(window, *b, "b-payments"));
        QTest::qWait(300);
        QCOMPARE(rowStreams(window), QSet<QByteArray>{"b-payments"});
        QTRY_VERIFY(window.serverText().contains(QString::number(m_b.port())));
        QVERIFY(!window.serverText().contains(QString::number(m_a.port())));
        // The flow tracker is the new session's: it saw only B's entries.
        QVERIFY(window.session()->flowTracker()->stats(QDateTime::currentMSecsSinceEpoch()).started
                == 0);
        // Charts: no series of A's stream.
        for (const QString &chart : {QStringLiteral("length")}) {
            const MetricHistory &history = window.chartsView()->history(chart);
            QVERIFY(history.points("a-orders", 0).isEmpty());
        }
        // Groups: none of A's.
        QTRY_VERIFY(window.session()->lastGroups().atMs > 0);
        for (const StreamStatus &s : window.session()->lastGroups().streams)
            QVERIFY(s.info.name != "a-orders");
        QVERIFY(window.groupsPanel()->goneNote().isEmpty());

        // A dead port: the lists and the status bar describe nothing, not the last server.
        ConnectionSettings dead = m_b.settings();
        dead.port = LocalRedisServer::freePort();
        window.connectTo(dead);
        QCOMPARE(window.streamModel()->rowCount(), 0);
        QCOMPARE(window.eventModel()->rowCount(), 0);
        QVERIFY(window.serverText().isEmpty());
        QVERIFY(window.deploymentText().isEmpty());
        QTest::qWait(500);
        QCOMPARE(window.streamModel()->rowCount(), 0);
        // Never reached: no "last updated", and why it is not current.
        QTRY_VERIFY_WITH_TIMEOUT(window.serverNotAnswering(), 8000);
        QCOMPARE(window.session()->freshness().lastUpdatedMs, qint64(0));
        QVERIFY2(window.session()->freshness().reason.contains(QLatin1String("could not reach")),
                 qPrintable(window.session()->freshness().reason));
        QVERIFY(!window.liveView()->freshnessText().contains(QLatin1String("last updated")));
    }

    void aServerThatStopsAnsweringIsGreyedAndDated() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        run(*admin, {"XADD", "order-events", "*", "type", "seed"});
        MainWindow window;
        window.connectTo(server.settings());
        QTRY_COMPARE(window.streamModel()->rowCount(), 1);
        QTRY_VERIFY(!window.rateLabel()->text().isEmpty());
        const QModelIndex length = window.streamModel()->index(0, StreamListModel::LengthColumn);
        QVERIFY(!length.data(Qt::ForegroundRole).isValid());

        server.kill();
        // Not answering: every figure greyed and dated, rates "-", the state says it in words
        // that fit the toolbar.
        QTRY_VERIFY_WITH_TIMEOUT(window.serverNotAnswering(), 8000);
        QVERIFY(length.data(Qt::ForegroundRole).isValid());
        const QString tip = length.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QLatin1String("last updated")), qPrintable(tip));
        QVERIFY2(window.rateLabel()->text().startsWith(QLatin1String("- events/s")),
                 qPrintable(window.rateLabel()->text()));
        QVERIFY2(window.stateText().contains(QLatin1String("failing for"))
                     || window.stateText().contains(QLatin1String("not answering for")),
                 qPrintable(window.stateText()));
        QVERIFY(!window.stateText().contains(QLatin1String(" ms")));
        QVERIFY(!window.deploymentCurrent());
        QVERIFY(window.liveView()->freshnessText().contains(QLatin1String("last updated")));
        // Nothing to follow while it does not answer.
        QVERIFY2(!window.liveView()->pauseText().contains(QLatin1String("Following")),
                 qPrintable(window.liveView()->pauseText()));
        QVERIFY(window.streamErrorLabel()->isVisibleTo(&window));
        QCOMPARE(window.session()->freshness().state, Freshness::State::Stale);
    }

    void togglingReadOnlyKeepsTheTableAndTheConnections() {
        auto admin = connectTo(m_a.settings());
        run(*admin, {"XADD", "toggle-events", "*", "type", "seed"});
        MainWindow window;
        window.connectTo(m_a.settings());
        QVERIFY(waitForRows(window, *admin, "toggle-events"));
        const int rows = window.eventModel()->rowCount();
        Session *session = window.session();
        StreamTailer *tailer = window.tailer();
        QSignalSpy reset(window.eventModel(), &QAbstractItemModel::modelReset);

        window.setReadOnly(true);
        QVERIFY(window.isReadOnly());
        QCOMPARE(window.session(), session); // no reconnect
        QCOMPARE(window.tailer(), tailer);
        QCOMPARE(window.eventModel()->rowCount(), rows);
        QCOMPARE(reset.count(), 0);
        QVERIFY(window.windowTitle().contains(QLatin1String("read-only")));
        // Every connection of the session consults the switch: the view's worker refuses.
        QSignalSpy done(session->actions()->worker(), &GroupActionsWorker::actionFinished);
        QMetaObject::invokeMethod(session->actions()->worker(), "deleteEntries",
                                  Q_ARG(QByteArray, "toggle-events"),
                                  Q_ARG(QList<QByteArray>, QList<QByteArray>{"0-1"}));
        QElapsedTimer waited;
        waited.start();
        QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), 20000);
        qInfo("the refusal came after %lld ms", waited.elapsed());
        QCOMPARE(done.first().at(0).toBool(), false);
        QVERIFY2(done.first().at(1).toString().contains(QLatin1String("read-only")),
                 qPrintable(done.first().at(1).toString()));
        QVERIFY(!window.publishView()->sendButton()->isEnabled());

        window.setReadOnly(false);
        QCOMPARE(window.session(), session);
        QVERIFY(!window.windowTitle().contains(QLatin1String("read-only")));
        // Entries keep arriving into the same table.
        run(*admin, {"XADD", "toggle-events", "*", "type", "after"});
        QTRY_VERIFY(window.eventModel()->rowCount() > rows);
    }

    void aConnectionSavedReadOnlyStopsWritingAtOnce() {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        auto admin = connectTo(m_a.settings());
        run(*admin, {"XADD", "ro-events", "*", "type", "seed"});
        MainWindow window;
        window.setSettingsStore(&settings);
        window.connectTo(m_a.settings());
        QTRY_VERIFY(window.session()->streams().size() > 0);
        QVERIFY(!window.isReadOnly());

        // Saved from the dialog as read-only, under a name, while connected to it.
        ConnectionDialog *dialog = window.openConnectionDialog();
        ConnectionSettings ro = m_a.settings();
        ro.readOnly = true;
        dialog->setSettings(ro);
        dialog->setName(QStringLiteral("prod"));
        QVERIFY(dialog->saveClicked());
        QVERIFY(window.isReadOnly());
        QVERIFY(window.session()->isReadOnly());
        QVERIFY(window.windowTitle().contains(QLatin1String("read-only")));
        const QLabel *label =
            window.connectionBar()->findChild<QLabel *>(QStringLiteral("readOnlyLabel"));
        QVERIFY(label && label->text().contains(QLatin1String("READ-ONLY")));

        // Publish: the form is off, and the core refuses whatever a caller does.
        const qint64 before = run(*admin, {"XLEN", "ro-events"}).integer();
        window.publishView()->setStreams({"ro-events"});
        QVERIFY(!window.publishView()->sendButton()->isEnabled());
        QVERIFY(!window.publishView()->send());
        QTest::qWait(300);
        QCOMPARE(run(*admin, {"XLEN", "ro-events"}).integer(), before);

        // Connecting to the saved connection later starts read-only too.
        window.disconnectFromServer();
        QVERIFY(window.connectSaved(QStringLiteral("prod")));
        QVERIFY(window.isReadOnly());
        QVERIFY(window.session()->settings().readOnlyNow());
        QVERIFY2(!window.windowTitle().contains(QLatin1String("not saved")),
                 qPrintable(window.windowTitle()));
        // Turned off by hand: the connection in use is no longer as saved, and the title says it.
        window.setReadOnly(false);
        QVERIFY2(window.windowTitle().startsWith(QLatin1String("prod (changed, not saved)")),
                 qPrintable(window.windowTitle()));
        QVERIFY(!window.windowTitle().contains(QLatin1String("read-only")));
    }

    void pausingHoldsTheTableAndCountsArrivals() {
        auto admin = connectTo(m_a.settings());
        run(*admin, {"XADD", "pause-events", "*", "type", "seed"});
        MainWindow window;
        window.connectTo(m_a.settings());
        QVERIFY(waitForRows(window, *admin, "pause-events"));
        QTest::qWait(200);
        window.eventModel()->flush();
        const int rows = window.eventModel()->rowCount();
        window.liveView()->setPaused(true);
        for (int i = 0; i < 5; ++i)
            run(*admin, {"XADD", "pause-events", "*", "n", QByteArray::number(i)});
        QTRY_COMPARE(window.liveView()->heldBack(), qint64(5));
        window.eventModel()->flush();
        QCOMPARE(window.eventModel()->rowCount(), rows);
        QVERIFY2(window.liveView()->pauseText().contains(QLatin1String("5 new entries")),
                 qPrintable(window.liveView()->pauseText()));
        window.liveView()->setPaused(false);
        window.eventModel()->flush();
        QCOMPARE(window.eventModel()->rowCount(), rows + 5);
        QCOMPARE(window.liveView()->heldBack(), qint64(0));
    }

    // Paused past the cap: every arrival is counted, the newest cap entries are held (packed)
    // and shown on Resume, in order.
    void pausedPastTheCapKeepsTheNewest() {
        auto admin = connectTo(m_a.settings());
        run(*admin, {"XADD", "held-events", "*", "type", "seed"});
        MainWindow window;
        window.setRowCap(10);
        window.connectTo(m_a.settings());
        QVERIFY(waitForRows(window, *admin, "held-events"));
        window.liveView()->setPaused(true);
        for (int i = 0; i < 25; ++i)
            run(*admin, {"XADD", "held-events", "*", "n", QByteArray::number(i), "bin",
                         QByteArray("\x00\xff", 2)});
        QTRY_COMPARE(window.liveView()->heldBack(), qint64(25));
        window.liveView()->setPaused(false);
        window.eventModel()->flush();
        QCOMPARE(window.eventModel()->rowCount(), 10);
        for (int row = 0; row < 10; ++row) {
            const StreamEntry e = window.eventModel()->entry(row);
            QCOMPARE(e.value("n"), QByteArray::number(15 + row));
            QCOMPARE(e.value("bin"), QByteArray("\x00\xff", 2));
        }
    }

    void wordingAgreesWithItsCount() {
        QCOMPARE(countOf(1, "entry", "entries"), QStringLiteral("1 entry"));
        QCOMPARE(countOf(0, "entry", "entries"), QStringLiteral("0 entries"));
        QCOMPARE(countOf(1799, "entry", "entries"), QStringLiteral("1,799 entries"));
        QCOMPARE(formatCount(1662), QStringLiteral("1,662"));
        QCOMPARE(formatDuration(1600), QStringLiteral("1.6 s"));
        QCOMPARE(formatDuration(1600 * 1000), QStringLiteral("26 min 40 s"));
        QCOMPARE(formatRate(-1), QStringLiteral("-"));
    }

private:
    LocalRedisServer m_a;
    LocalRedisServer m_b;
};

QTEST_MAIN(TestSession)
#include "tst_session.moc"
