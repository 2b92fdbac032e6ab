// The charts: the bounded history behind them, and the Charts tab of a real window on a real
// server showing each stream's rate and length and each group's lag and pending.
#include "ChartsView.h"
#include "MainWindow.h"
#include "MetricHistory.h"
#include "TestRedis.h"

#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

class TestCharts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }

    void historyKeepsItsWindow() {
        MetricHistory h(60'000, 3);
        for (qint64 t = 0; t <= 120'000; t += 1000)
            h.add("a", t, double(t / 1000));
        const QList<QPointF> all = h.points("a", 0);
        QCOMPARE(all.size(), 61); // 60 s kept: 60..120
        QCOMPARE(all.first().x(), 60'000.0);
        QCOMPARE(h.points("a", 100'000).size(), 21);
        QCOMPARE(h.latest("a"), 120.0);
        QCOMPARE(h.pointCount(), 61);
    }

    void downsamplingKeepsPeaks() {
        MetricHistory h;
        for (qint64 t = 0; t < 3600; ++t)
            h.add("a", t * 1000, t == 1234 ? 1000.0 : 1.0);
        const QList<QPointF> shown = h.points("a", 0, 100);
        QVERIFY(shown.size() <= 100);
        QVERIFY(shown.size() >= 95);
        double top = 0;
        for (const QPointF &p : shown)
            top = std::max(top, p.y());
        QCOMPARE(top, 1000.0); // one second's spike survives a 36:1 reduction
        QCOMPARE(shown.last().x(), 3'599'000.0);
    }

    void seriesAreBounded() {
        MetricHistory h(60'000, 3);
        h.add("a", 1, 1);
        h.add("b", 2, 1);
        h.add("c", 3, 1);
        h.add("a", 4, 1); // a is fresh again
        h.add("d", 5, 1); // b, the stalest, goes
        QCOMPARE(h.names(), (QList<QByteArray>{"a", "c", "d"}));
    }

    void chartsOfARealServer() {
        auto c = connectTo(m_server.settings());
        run(*c, {"FLUSHALL"});
        addEntries(*c, "orders", 0, 50);
        run(*c, {"XGROUP", "CREATE", "orders", "billing", "0"});
        run(*c, {"XREADGROUP", "GROUP", "billing", "w1", "COUNT", "20", "STREAMS", "orders", ">"});
        // Now: length 50; billing read 20 (pending 20) and has 30 to go (lag 30).

        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.showTab(QStringLiteral("charts")));
        window.connectTo(m_server.settings());
        ChartsView *charts = window.chartsView();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // Entries arrive while the tail runs: the rate chart gets a line.
        QTRY_VERIFY_WITH_TIMEOUT(charts->seriesNames(QStringLiteral("length")).contains("orders"),
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(charts->seriesNames(QStringLiteral("pending"))
                                     .contains(QStringLiteral("orders/billing")),
                                 10000);
        QCOMPARE(
            charts->seriesPoints(QStringLiteral("length"), QStringLiteral("orders")).last().y(),
            50.0);
        QCOMPARE(charts->seriesPoints(QStringLiteral("pending"), QStringLiteral("orders/billing"))
                     .last()
                     .y(),
                 20.0);
        QTRY_VERIFY_WITH_TIMEOUT(
            charts->seriesNames(QStringLiteral("lag")).contains(QStringLiteral("orders/billing")),
            10000);
        QCOMPARE(charts->seriesPoints(QStringLiteral("lag"), QStringLiteral("orders/billing"))
                     .last()
                     .y(),
                 30.0);

        // A steady 100 entries/s for three seconds shows as about 100 events/s.
        for (int i = 0; i < 30; ++i) {
            addEntries(*c, "orders", 1000 + i * 10, 10);
            QTest::qWait(100);
        }
        QTRY_VERIFY_WITH_TIMEOUT(charts->seriesNames(QStringLiteral("rate")).contains("orders"),
                                 5000);
        const MetricHistory &rate = charts->history(QStringLiteral("rate"));
        double peak = 0;
        for (const QPointF &p : rate.points("orders", 0))
            peak = std::max(peak, p.y());
        QVERIFY2(peak > 50 && peak < 200, qPrintable(QString::number(peak)));

        // The charts refresh every second; the window choice changes the time span.
        const qint64 before = charts->refreshCount();
        QTRY_VERIFY_WITH_TIMEOUT(charts->refreshCount() >= before + 2, 3500);
        charts->setWindowMinutes(60);
        QCOMPARE(charts->windowMinutesShown(), 60);
        QVERIFY(!window.grab().isNull());
    }

private:
    LocalRedisServer m_server;
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
