// The charts: the bounded history behind them, the per-connection histories that outlive the
// view, legends, pens, ticks, smoothing and freshness, and the Charts tab of a real window on a
// real server showing each stream's rate and length and each group's lag and pending.
#include "ChartHistories.h"
#include "ChartTheme.h"
#include "ChartsView.h"
#include "MainWindow.h"
#include "MetricHistory.h"
#include "Palette.h"
#include "TestRedis.h"
#include "Wording.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QTest>
#include <QToolTip>
#include <QValueAxis>

#include <memory>
#include <set>

using namespace streamscope;
using namespace streamscope::test;

namespace {

// Samples at chosen times: the histories and the views read this clock.
struct FakeClock {
    qint64 now = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000 - 600'000;
    std::function<qint64()> fn() {
        return [this] { return now; };
    }
};

TailStats tailStats(const QByteArray &stream, qint64 received) {
    TailStats stats;
    StreamTailStats s;
    s.stream = stream;
    s.received = received;
    stats.streams << s;
    return stats;
}

StreamInfoList streamsOfLength(const QList<QByteArray> &names, qint64 length) {
    StreamInfoList list;
    for (const QByteArray &name : names) {
        StreamInfo info;
        info.name = name;
        info.length = length;
        list << info;
    }
    return list;
}

GroupSnapshot groupSnapshot(const QByteArray &stream, const QByteArray &group, qint64 lag,
                            qint64 pending, qint64 sampledAtMs) {
    GroupSnapshot snapshot;
    StreamStatus s;
    s.info.name = stream;
    s.sampledAtMs = sampledAtMs;
    GroupStatus g;
    g.stream = stream;
    g.name = group;
    g.lag = lag;
    g.pending = pending;
    s.groups << g;
    snapshot.streams << s;
    snapshot.atMs = sampledAtMs;
    return snapshot;
}

std::unique_ptr<ChartsView> shownView(ChartHistories *histories, FakeClock &clock) {
    auto view = std::make_unique<ChartsView>();
    view->clock = clock.fn();
    view->resize(1100, 800);
    view->show();
    view->setHistories(histories);
    return view;
}

// The labels a chart view draws on its value axis (not the times, which have ':').
QStringList valueLabels(QChartView *view) {
    QStringList labels;
    for (QGraphicsItem *item : view->scene()->items()) {
        if (auto *text = dynamic_cast<QGraphicsTextItem *>(item);
            text && text->isVisible() && !text->toPlainText().contains(QLatin1Char(':'))
            && !text->toPlainText().isEmpty())
            labels << text->toPlainText();
    }
    std::sort(labels.begin(), labels.end(),
              [](const QString &a, const QString &b) { return a.toDouble() < b.toDouble(); });
    return labels;
}

} // namespace

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

    void historiesSurviveTheWidget() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        auto first = shownView(&histories, clock);
        auto second = shownView(&histories, clock);
        for (int i = 0; i < 3; ++i, clock.now += 1000)
            histories.addStreams(streamsOfLength({"orders"}, 10 + i));
        first->refresh();
        second->refresh();
        QCOMPARE(first->seriesNames(QStringLiteral("length")), QStringList{"orders"});
        QCOMPARE(second->seriesPoints(QStringLiteral("length"), QStringLiteral("orders")).size(),
                 3);
        QCOMPARE(&first->history(QStringLiteral("length")), &histories.length());

        // The widget goes; what it showed stays with the connection, and a new view shows it.
        first.reset();
        QCOMPARE(histories.length().pointCount(), 3);
        auto third = shownView(&histories, clock);
        QCOMPARE(third->seriesPoints(QStringLiteral("length"), QStringLiteral("orders")).size(), 3);
        QCOMPARE(third->seriesPoints(QStringLiteral("length"), QStringLiteral("orders")).last().y(),
                 12.0);

        // No histories: nothing shown, and the histories keep their points.
        third->setHistories(nullptr);
        QVERIFY(third->seriesNames(QStringLiteral("length")).isEmpty());
        QCOMPARE(third->history(QStringLiteral("length")).pointCount(), 0);
        QCOMPARE(histories.length().pointCount(), 3);
        QVERIFY(!second->seriesNames(QStringLiteral("length")).isEmpty());

        // Cleared (a new server): the views follow at once.
        histories.clear();
        QVERIFY(second->seriesNames(QStringLiteral("length")).isEmpty());
    }

    void quietStreamsAreNotRepeated() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        histories.addGroups(groupSnapshot("orders", "billing", 3, 1, 1000));
        clock.now += 1000;
        histories.addGroups(groupSnapshot("orders", "billing", 3, 1, 1000)); // not polled again
        clock.now += 1000;
        histories.addGroups(groupSnapshot("orders", "billing", 4, 2, 3000));
        QCOMPARE(histories.lag().pointCount(), 2);
        QCOMPARE(histories.pending().latest("orders/billing"), 2.0);
    }

    void legendShowsWholeNames() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        const QByteArray stream = "payments-of-the-european-region-after-the-fraud-check-v2";
        const QByteArray group = "notification-service-sending-receipts";
        histories.addGroups(groupSnapshot(stream, group, 5, 1, clock.now));
        auto view = shownView(&histories, clock);
        const QString full = QString::fromUtf8(stream + '/' + group);
        QListWidget *legend = view->legend(QStringLiteral("lag"));
        QVERIFY(legend);
        QCOMPARE(legend->count(), 1);
        QCOMPARE(legend->textElideMode(), Qt::ElideMiddle); // the ends of a name both show
        QCOMPARE(legend->item(0)->text(), full);
        QVERIFY2(legend->item(0)->toolTip().startsWith(full),
                 qPrintable(legend->item(0)->toolTip()));
        QVERIFY(legend->item(0)->toolTip().contains(QStringLiteral("5 entries")));
        // The name does not fit: it is elided when drawn, never cut at the end by the chart.
        QVERIFY(legend->fontMetrics().horizontalAdvance(full) > legend->viewport()->width());
        QVERIFY(!view->findChild<QChart *>()
                || !view->findChild<QChartView *>()->chart()->legend()->isVisible());

        // Hovering the line shows its value; a tooltip event on the chart (the mouse resting)
        // brings up no other tooltip over it.
        QVERIFY(QTest::qWaitForWindowExposed(view.get()));
        auto *lagView = static_cast<QChartView *>(view->chartView(QStringLiteral("lag")));
        clock.now += 1000;
        histories.addGroups(groupSnapshot(stream, group, 5, 1, clock.now));
        view->refresh();
        QTRY_VERIFY(lagView->chart()->plotArea().width() > 10);
        auto *lagLine = lagView->chart()->findChild<QLineSeries *>();
        if (!lagLine)
            for (QAbstractSeries *series : lagView->chart()->series())
                lagLine = qobject_cast<QLineSeries *>(series);
        QVERIFY(lagLine);
        const QPointF onLine =
            lagView->chart()->mapToPosition(QPointF(double(clock.now - 500), 5.0), lagLine);
        const QPoint at = lagView->mapFromScene(onLine);
        QTest::mouseMove(lagView->viewport(), at - QPoint(0, 40));
        QTest::mouseMove(lagView->viewport(), at);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(QStringLiteral("5 entries")),
                 qPrintable(QToolTip::text()));
        QHelpEvent rest(QEvent::ToolTip, at, lagView->viewport()->mapToGlobal(at));
        QApplication::sendEvent(lagView->viewport(), &rest);
        QVERIFY2(QToolTip::text().contains(QStringLiteral("5 entries")),
                 qPrintable(QToolTip::text()));

        // The chart's own description is on its title, never a tooltip over the value tooltip.
        for (const QString &chart : {QStringLiteral("rate"), QStringLiteral("length"),
                                     QStringLiteral("lag"), QStringLiteral("pending")}) {
            QVERIFY(view->chartView(chart)->toolTip().isEmpty());
            auto *title = view->findChild<QLabel *>(chart + QStringLiteral("Title"));
            QVERIFY(title);
            QVERIFY(!title->toolTip().isEmpty());
        }
    }

    void clickingALegendEntryHidesItsLine() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        histories.addStreams(streamsOfLength({"orders", "payments"}, 7));
        auto view = shownView(&histories, clock);
        QVERIFY(QTest::qWaitForWindowExposed(view.get()));
        QListWidget *legend = view->legend(QStringLiteral("length"));
        QCOMPARE(legend->count(), 2);
        QListWidgetItem *orders = legend->item(0);
        QCOMPARE(orders->text(), QStringLiteral("orders"));
        QCOMPARE(orders->checkState(), Qt::Checked);
        QVERIFY(view->isSeriesShown(QStringLiteral("length"), QStringLiteral("orders")));

        QTest::mouseClick(legend->viewport(), Qt::LeftButton, {},
                          legend->visualItemRect(orders).center());
        QVERIFY(!view->isSeriesShown(QStringLiteral("length"), QStringLiteral("orders")));
        QVERIFY(view->isSeriesShown(QStringLiteral("length"), QStringLiteral("payments")));
        QCOMPARE(legend->item(0)->checkState(), Qt::Unchecked);
        QVERIFY(legend->item(0)->toolTip().contains(QStringLiteral("show")));
        // It stays hidden across redraws, and comes back with another click.
        clock.now += 1000;
        histories.addStreams(streamsOfLength({"orders", "payments"}, 8));
        view->refresh();
        QVERIFY(!view->isSeriesShown(QStringLiteral("length"), QStringLiteral("orders")));
        QTest::mouseClick(legend->viewport(), Qt::LeftButton, {},
                          legend->visualItemRect(legend->item(0)).center());
        QVERIFY(view->isSeriesShown(QStringLiteral("length"), QStringLiteral("orders")));
        // Space toggles the current entry too.
        legend->setCurrentRow(1);
        QTest::keyClick(legend, Qt::Key_Space);
        QVERIFY(!view->isSeriesShown(QStringLiteral("length"), QStringLiteral("payments")));
    }

    void distinctPensForThirteenSeries_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light palette") << false;
        QTest::newRow("dark palette") << true;
    }

    void distinctPensForThirteenSeries() {
        QFETCH(bool, dark);
        const QPalette before = QApplication::palette();
        if (dark) {
            QPalette p;
            p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
            p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
            p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
            p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
            QApplication::setPalette(p);
        }
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        QList<QByteArray> names;
        for (int i = 0; i < 13; ++i)
            names << "stream-" + QByteArray::number(i);
        histories.addStreams(streamsOfLength(names, 5));
        auto view = shownView(&histories, clock);
        QCOMPARE(view->seriesNames(QStringLiteral("length")).size(), 13);
        std::set<std::pair<QRgb, int>> pens;
        const QColor base = QApplication::palette().color(QPalette::Base);
        for (const QByteArray &name : names) {
            const QPen pen = view->seriesPen(QStringLiteral("length"), QString::fromUtf8(name));
            pens.insert({pen.color().rgb(), int(pen.style())});
            // Readable on the chart's background.
            QVERIFY2(std::abs(pen.color().lightness() - base.lightness()) > 50,
                     qPrintable(pen.color().name()));
        }
        QCOMPARE(int(pens.size()), 13);
        QApplication::setPalette(before);
    }

    void countAxesHaveWholeNumberTicks() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        for (qint64 lag : {2, 1, 0, 2}) {
            histories.addGroups(groupSnapshot("orders", "billing", lag, lag, clock.now));
            clock.now += 1000;
        }
        auto view = shownView(&histories, clock);
        QVERIFY(QTest::qWaitForWindowExposed(view.get()));
        QValueAxis *axis = view->valueAxis(QStringLiteral("lag"));
        QCOMPARE(axisTicks(axis), (QList<double>{0, 1, 2}));
        QTRY_COMPARE(valueLabels(static_cast<QChartView *>(view->chartView(QStringLiteral("lag")))),
                     (QStringList{"0", "1", "2"}));

        // Larger counts: still whole, distinct, and with thousands separators; a jump from 2 to
        // a million is drawn at once (not with a label for every whole number on the way).
        clock.now += 1000;
        histories.addStreams(streamsOfLength({"orders"}, 2));
        view->refresh();
        QTest::qWait(50);
        clock.now += 1000;
        histories.addStreams(streamsOfLength({"orders"}, 1'234'567));
        QElapsedTimer drawing;
        drawing.start();
        view->refresh();
        QTest::qWait(50);
        QVERIFY2(drawing.elapsed() < 2000, qPrintable(QString::number(drawing.elapsed())));
        const QList<double> ticks = axisTicks(view->valueAxis(QStringLiteral("length")));
        QVERIFY(ticks.size() >= 3 && ticks.size() <= 7);
        for (double t : ticks)
            QCOMPARE(t, std::round(t));
        QTRY_VERIFY(
            valueLabels(static_cast<QChartView *>(view->chartView(QStringLiteral("length"))))
                .contains(formatCount(1'000'000)));

        // A chart made elsewhere (the groups panel's small lag chart) gets the same by following
        // the palette before its "%d" axis is added.
        auto *chart = new QChart;
        followPalette(chart);
        auto *series = new QLineSeries;
        series->append(0, 2);
        series->append(1, 0);
        chart->addSeries(series);
        auto *values = new QValueAxis;
        values->setLabelFormat(QStringLiteral("%d"));
        chart->addAxis(values, Qt::AlignLeft);
        series->attachAxis(values);
        QChartView small(chart);
        small.resize(300, 200);
        small.show();
        QVERIFY(QTest::qWaitForWindowExposed(&small));
        values->setRange(0, 2 * 1.1);
        QCOMPARE(axisTicks(values), (QList<double>{0, 1, 2}));
        QTRY_COMPARE(valueLabels(&small), (QStringList{"0", "1", "2"}));
        QCOMPARE(series->pen().color(), seriesColour(0, QApplication::palette()));
    }

    void smoothingSteadiesTheRate() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        // A steady 5 events/s read in bursts: 3, then 10, then 3 ... a second apart.
        qint64 received = 0;
        for (int i = 0; i < 30; ++i) {
            received += i % 2 ? 10 : 3;
            histories.addTailStats(tailStats("orders", received));
            clock.now += 1000;
        }
        auto view = shownView(&histories, clock);
        QVERIFY(view->smoothing()); // the default
        const auto spread = [&] {
            const QList<QPointF> points =
                view->seriesPoints(QStringLiteral("rate"), QStringLiteral("orders"));
            double lo = 1e9, hi = 0;
            for (qsizetype i = 5; i < points.size(); ++i) { // after the first 5 s
                lo = std::min(lo, points.at(i).y());
                hi = std::max(hi, points.at(i).y());
            }
            return std::make_pair(lo, hi);
        };
        auto [lo, hi] = spread();
        QVERIFY2(lo >= 5.5 && hi <= 7.5, qPrintable(QStringLiteral("%1..%2").arg(lo).arg(hi)));
        view->setSmoothing(false);
        std::tie(lo, hi) = spread();
        QCOMPARE(lo, 3.0);
        QCOMPARE(hi, 10.0);
        auto *title = view->findChild<QLabel *>(QStringLiteral("rateTitle"));
        QVERIFY(!title->text().contains(QStringLiteral("5 s")));
        view->setSmoothing(true);
        QVERIFY(title->text().contains(QStringLiteral("5 s")));
        // The box itself, as the user unticks it: the title follows (it kept "over 5 s").
        QCheckBox *box = view->findChild<QCheckBox *>();
        QVERIFY(box);
        box->click();
        QVERIFY(!view->smoothing());
        QVERIFY2(!title->text().contains(QStringLiteral("5 s")), qPrintable(title->text()));
    }

    void staleChartsSayWhenAndDrawNoRate() {
        FakeClock clock;
        ChartHistories histories;
        histories.clock = clock.fn();
        qint64 received = 0;
        for (int i = 0; i < 5; ++i, clock.now += 1000)
            histories.addTailStats(tailStats("orders", received += 5));
        const qint64 lastUpdated = clock.now - 1000;
        auto view = shownView(&histories, clock);
        QVERIFY(view->freshnessNote().isEmpty());

        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.lastUpdatedMs = lastUpdated;
        stale.reason = QStringLiteral("the server does not answer");
        view->setFreshness(stale);
        // The tail's counters stop while the server is away: fed only to the view's histories as
        // the window did, a flat 0 would follow; the view draws none of it.
        for (int i = 0; i < 5; ++i, clock.now += 1000)
            histories.addTailStats(tailStats("orders", received));
        view->refresh();
        const QString note = view->freshnessNote();
        QVERIFY2(note.contains(QStringLiteral("last updated ") + formatClock(lastUpdated)),
                 qPrintable(note));
        QVERIFY(note.contains(stale.reason));
        QVERIFY(view->findChild<QLabel *>(QStringLiteral("lagTitle"))
                    ->text()
                    .contains(QStringLiteral("last updated")));
        QList<QPointF> points =
            view->seriesPoints(QStringLiteral("rate"), QStringLiteral("orders"));
        QVERIFY(!points.isEmpty());
        QVERIFY(points.last().x() <= double(lastUpdated));
        QVERIFY(view->legend(QStringLiteral("rate"))
                    ->item(0)
                    ->toolTip()
                    .contains(QStringLiteral("- events/s")));

        // Told too, the histories add no rate at all while not current.
        histories.setFreshness(stale);
        const qsizetype before = histories.rate().pointCount();
        for (int i = 0; i < 3; ++i, clock.now += 1000)
            histories.addTailStats(tailStats("orders", received));
        QCOMPARE(histories.rate().pointCount(), before);

        // Current again: the note goes, and the rate is measured afresh (nothing averaged over
        // the outage).
        Freshness current;
        current.state = Freshness::State::Current;
        current.lastUpdatedMs = clock.now;
        histories.setFreshness(current);
        view->setFreshness(current);
        QVERIFY(view->freshnessNote().isEmpty());
        histories.addTailStats(tailStats("orders", received += 500));
        QCOMPARE(histories.rate().pointCount(), before); // a new baseline only
        clock.now += 1000;
        histories.addTailStats(tailStats("orders", received += 5));
        view->refresh();
        points = view->seriesPoints(QStringLiteral("rate"), QStringLiteral("orders"));
        QCOMPARE(points.last().x(), double(clock.now));
        QCOMPARE(histories.rate().latest("orders"), 5.0);
        QVERIFY(!view->findChild<QLabel *>(QStringLiteral("lagTitle"))
                     ->text()
                     .contains(QStringLiteral("last updated")));
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
