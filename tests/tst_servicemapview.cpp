// The service map view, offscreen, on maps built by hand (the model has its own test): an item
// per node and edge, rates on the arrows, updates in place that keep positions, zoom and
// scroll, double-click navigation, stale greying, empty states, and 50 streams without overlaps.
// It also writes pictures to /tmp (light and dark) to be looked at.
#include "Palette.h"
#include "ServiceMapSamples.h"
#include "ServiceMapView.h"
#include "StreamInfo.h"

#include <QApplication>
#include <QGraphicsScene>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <utility>

using namespace streamscope;
using namespace streamscope::test;

namespace {

Freshness current() {
    Freshness f;
    f.state = Freshness::State::Current;
    f.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch();
    return f;
}

QPoint viewportPoint(ServiceMapView &view, QGraphicsItem *item, const QPointF &local) {
    return view.graphicsView()->mapFromScene(item->mapToScene(local));
}

// How many pixels of the scene, rendered whole, are close to colour.
int pixelsNear(ServiceMapView &view, const QColor &colour) {
    const QRectF r = view.scene()->itemsBoundingRect();
    QImage image(r.size().toSize(), QImage::Format_ARGB32);
    image.fill(view.palette().color(QPalette::Base));
    {
        QPainter p(&image);
        view.scene()->render(&p, QRectF(QPointF(0, 0), r.size()), r);
    }
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green())
                    + std::abs(c.blue() - colour.blue())
                < 12)
                ++n;
        }
    return n;
}

void saveScene(ServiceMapView &view, const QString &path) {
    const QRectF r = view.scene()->itemsBoundingRect().adjusted(-16, -16, 16, 16);
    QImage image(r.size().toSize(), QImage::Format_ARGB32);
    image.fill(view.palette().color(QPalette::Base));
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    view.scene()->render(&p, QRectF(QPointF(0, 0), r.size()), r);
    p.end();
    QVERIFY(image.save(path));
}

// The demo shop as the model's builder makes it from scripted polls and CLIENT LIST samples
// (the builder has its own test, tst_servicemap; this is what the view is given in the app).
struct ShopScript {
    QMap<QByteArray, qint64> added{{"order-events", 100}, {"payment-events", 100}};
    QMap<QByteArray, QList<GroupStatus>> groups;
    ShopScript() {
        groups["order-events"] = {group("order-events", "payment-service",
                                        {consumer("payments-1"), consumer("payments-2")})};
        groups["payment-events"] = {
            group("payment-events", "notification-service", {consumer("notifier-1")}),
            group("payment-events", "order-service", {consumer("order-service-1")})};
    }
    static ConsumerStatus consumer(const QByteArray &name) {
        ConsumerStatus c;
        c.name = name;
        return c;
    }
    static GroupStatus group(const QByteArray &stream, const QByteArray &name,
                             const QList<ConsumerStatus> &consumers) {
        GroupStatus g;
        g.stream = stream;
        g.name = name;
        g.entriesRead = 100;
        g.consumerList = consumers;
        g.consumers = consumers.size();
        g.lag = 0;
        return g;
    }
    void advance(const QByteArray &stream, int n) {
        added[stream] += n;
        for (GroupStatus &g : groups[stream])
            *g.entriesRead += n;
    }
    void feed(ServiceMapBuilder &b, qint64 atMs) const {
        StreamInfoList streams;
        GroupSnapshot snap;
        snap.atMs = atMs;
        for (auto it = added.cbegin(); it != added.cend(); ++it) {
            StreamInfo info;
            info.name = it.key();
            info.length = it.value();
            info.entriesAdded = it.value();
            info.lastGeneratedId = StreamId{quint64(it.value()), 0};
            streams << info;
            StreamStatus st;
            st.info = info;
            st.groups = groups.value(it.key());
            st.sampledAtMs = atMs;
            snap.streams << st;
        }
        b.addStreams(streams, atMs);
        b.addSnapshot(snap);
    }
};

ClientInfo clientNamed(qint64 id, const QByteArray &name, const QByteArray &cmd) {
    ClientInfo c;
    c.id = id;
    c.name = name;
    c.cmd = cmd;
    c.addr = "127.0.0.1:" + QByteArray::number(40000 + id);
    return c;
}

// The demo shop's map once the builder has told the producers apart (as drawsTheBuildersShop).
ServiceMap builtShop() {
    ServiceMapBuilder builder;
    ShopScript s;
    ClientSample clients;
    clients.clients = {clientNamed(1, "order-service", "evalsha"),
                       clientNamed(2, "order-service:order-service-1", "xreadgroup"),
                       clientNamed(3, "payment-service:payments-1>payment-events", "xreadgroup"),
                       clientNamed(4, "payment-service:payments-2>payment-events", "xreadgroup"),
                       clientNamed(5, "notification-service:notifier-1", "xreadgroup")};
    for (int i = 0; i < 6; ++i) {
        const qint64 t = 10000 + i * 2000;
        s.feed(builder, t);
        clients.atMs = t + 50;
        builder.addClients(clients);
        if (i == 2 || i == 3) {
            s.advance("order-events", 5);
        } else {
            s.advance("order-events", 10);
            s.advance("payment-events", 10);
        }
    }
    return builder.map();
}

} // namespace

class TestServiceMapView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QApplication::setPalette(lightPalette());
        QApplication::setStyle(QStringLiteral("Fusion"));
    }

    void itemsForEachNodeAndEdge() {
        ServiceMapView view;
        view.setFreshness(current());
        const ServiceMap map = shopMap();
        view.setMap(map);
        QVERIFY(!view.showsEmpty());
        QCOMPARE(view.nodeItems().size(), map.nodes.size());
        QCOMPARE(view.edgeItems().size(), map.edges.size());
        for (const ServiceMapNode &n : map.nodes) {
            QVERIFY2(view.nodeItem(n.key), qPrintable(n.key));
            QCOMPARE(view.nodeItem(n.key)->node().name, n.name);
            QVERIFY(view.nodeItem(n.key)->scene() == view.scene());
        }
        for (const ServiceMapEdge &e : map.edges)
            QVERIFY2(view.edgeItem(e.from, e.to), qPrintable(e.from + " -> " + e.to));
        // Columns by rank, left to right.
        const auto x = [&](const QString &key) { return view.nodeItem(key)->x(); };
        QVERIFY(x(mapGroupKey("payment-events", "order-service"))
                < x(mapStreamKey("order-events")));
        QVERIFY(x(mapStreamKey("order-events"))
                < x(mapGroupKey("order-events", "payment-service")));
        QVERIFY(x(mapGroupKey("order-events", "payment-service"))
                < x(mapStreamKey("payment-events")));
        QVERIFY(x(mapStreamKey("payment-events"))
                < x(mapGroupKey("payment-events", "notification-service")));
        // The payment group lists its two consumers; the producer note is under the map.
        const QStringList lines =
            view.nodeItem(mapGroupKey("order-events", "payment-service"))->drawnLines();
        QVERIFY2(lines.filter(QStringLiteral("payment-1")).size() == 1,
                 qPrintable(lines.join('|')));
        QVERIFY(lines.filter(QStringLiteral("payment-2: dead")).size() == 1);
        QVERIFY(view.noteText().contains(QStringLiteral("inferred from CLIENT LIST")));
        // An edge between nodes that are not there is not drawn (nor does it crash).
        ServiceMap broken = map;
        broken.edges.append(delivers(mapStreamKey("gone"), mapGroupKey("gone", "g"), 1, 1));
        view.setMap(broken);
        QCOMPARE(view.edgeItems().size(), map.edges.size());
    }

    void labelsShowRates() {
        ServiceMapView view;
        view.setFreshness(current());
        ServiceMap map = shopMap();
        map.edges.append(
            produces(mapProducerKey("checkout-api"), mapStreamKey("order-events"), {}));
        map.nodes.append(producerNode("checkout-api", 0, 1));
        map.edges[1].acksPerSecond.reset();
        map.edges[4].perSecond = 1234.56;
        view.setMap(map);
        QCOMPARE(view.edgeItem(mapGroupKey("payment-events", "order-service"),
                               mapStreamKey("order-events"))
                     ->label(),
                 QStringLiteral("12.3/s"));
        QCOMPARE(view.edgeItem(mapStreamKey("order-events"),
                               mapGroupKey("order-events", "payment-service"))
                     ->label(),
                 QStringLiteral("8.0/s delivered, - acked"));
        QCOMPARE(view.edgeItem(mapStreamKey("payment-events"),
                               mapGroupKey("payment-events", "notification-service"))
                     ->label(),
                 QStringLiteral("1,235/s delivered, 3.0/s acked"));
        // Unknown is "-", never 0.
        QCOMPARE(
            view.edgeItem(mapProducerKey("checkout-api"), mapStreamKey("order-events"))->label(),
            QStringLiteral("-"));
        // Every label is drawn whole.
        for (ServiceMapEdgeItem *e : view.edgeItems())
            QCOMPARE(e->drawnLabel(), e->label());
        // The producer says it is inferred; the stream its length.
        QVERIFY(view.nodeItem(mapProducerKey("checkout-api"))
                    ->drawnLines()
                    .contains("producer, inferred"));
        QVERIFY(
            view.nodeItem(mapStreamKey("order-events"))->drawnLines().contains("10,432 entries"));
    }

    void tooltipsTellTheWholeStory() {
        ServiceMapView view;
        view.setFreshness(current());
        ServiceMap map = shopMap();
        const QByteArray longName =
            QByteArray("an-extremely-long-stream-name-").repeated(5) + "end";
        map.nodes.append(streamNode(longName, 1, 1, 5));
        view.setMap(map);
        const QString tip =
            view.nodeItem(mapGroupKey("payment-events", "notification-service"))->toolTip();
        QVERIFY2(tip.contains(QStringLiteral("lagging: 1,200 entries behind and growing")),
                 qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("Lag: 1,200 entries")));
        QVERIFY(tip.contains(QStringLiteral("Pending: 1 entry")));
        QVERIFY(tip.contains(QStringLiteral("Health: warning")));
        const QString payment =
            view.nodeItem(mapGroupKey("order-events", "payment-service"))->toolTip();
        QVERIFY(payment.contains(QStringLiteral("payment-2: dead, 5 pending, idle 2 h")));
        // A long name is elided in the box, whole in the tooltip.
        ServiceMapNodeItem *item = view.nodeItem(mapStreamKey(longName));
        QVERIFY(item->drawnLines().first() != QString::fromUtf8(longName));
        QVERIFY(item->drawnLines().first().contains(QChar(0x2026)));
        QVERIFY(item->toolTip().contains(QString::fromUtf8(longName)));
        QVERIFY(item->widestDrawnLine() <= item->textWidth());
    }

    void updateChangesLabelsInPlaceAndKeepsTheView() {
        ServiceMapView view;
        view.resize(700, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        view.setMap(shopMap());
        // The user zooms in and scrolls.
        QTest::keyClick(view.graphicsView(), Qt::Key_Plus, Qt::ControlModifier);
        QTest::keyClick(view.graphicsView(), Qt::Key_Plus, Qt::ControlModifier);
        const qreal zoom = view.zoom();
        QScrollBar *h = view.graphicsView()->horizontalScrollBar();
        QScrollBar *v = view.graphicsView()->verticalScrollBar();
        QVERIFY(h->maximum() > 0);
        h->setValue(h->maximum() / 2);
        v->setValue(v->maximum() / 3);
        const int hv = h->value(), vv = v->value();
        QHash<QString, QPointF> positions;
        QHash<QString, QGraphicsItem *> items;
        for (ServiceMapNodeItem *n : view.nodeItems()) {
            positions[n->node().key] = n->pos();
            items[n->node().key] = n;
        }
        ServiceMapEdgeItem *edge = view.edgeItem(mapStreamKey("order-events"),
                                                 mapGroupKey("order-events", "payment-service"));
        QCOMPARE(edge->label(), QStringLiteral("8.0/s delivered, 7.9/s acked"));

        view.setMap(shopMap(2.0));
        QCOMPARE(view.edgeItem(mapStreamKey("order-events"),
                               mapGroupKey("order-events", "payment-service")),
                 edge); // the same item, changed
        QCOMPARE(edge->label(), QStringLiteral("16.0/s delivered, 15.8/s acked"));
        for (ServiceMapNodeItem *n : view.nodeItems()) {
            QCOMPARE(static_cast<QGraphicsItem *>(n), items.value(n->node().key));
            QCOMPARE(n->pos(), positions.value(n->node().key));
        }
        QCOMPARE(view.zoom(), zoom);
        QCOMPARE(h->value(), hv);
        QCOMPARE(v->value(), vv);
    }

    void addedNodeKeepsTheOthersPlaces() {
        ServiceMapView view;
        // Smaller than the map even zoomed out once (a map smaller than the window is centred
        // by the graphics view, and a node added below it moves that centre a little).
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        ServiceMap map = shopMap();
        view.setMap(map);
        QHash<QString, QPointF> positions;
        for (ServiceMapNodeItem *n : view.nodeItems())
            positions[n->node().key] = n->pos();
        // The user zooms out: the view is theirs now, nodes coming and going do not refit it.
        QTest::keyClick(view.graphicsView(), Qt::Key_Minus, Qt::ControlModifier);
        const qreal zoom = view.zoom();
        const QPointF centre =
            view.graphicsView()->mapToScene(view.graphicsView()->viewport()->rect().center());
        // A new group, a new stream with a longer name than any, a new producer: all after the
        // existing nodes of their columns, as the builder places them.
        map.nodes.append(groupNode(
            "order-events", "fraud-check", 2, 1,
            {{"fraud-1", 0, 10, false}, {"fraud-2", 0, 20, false}, {"fraud-3", 0, 30, false}}));
        map.edges.append(delivers(mapStreamKey("order-events"),
                                  mapGroupKey("order-events", "fraud-check"), 8.0, 8.0));
        map.nodes.append(streamNode("audit-events-of-every-order-and-payment", 1, 1, 3));
        map.nodes.append(producerNode("audit-writer", 0, 1));
        map.edges.append(produces(mapProducerKey("audit-writer"),
                                  mapStreamKey("audit-events-of-every-order-and-payment"), 1.0));
        view.setMap(map);
        QCOMPARE(view.nodeItems().size(), map.nodes.size());
        for (auto it = positions.cbegin(); it != positions.cend(); ++it)
            QCOMPARE(view.nodeItem(it.key())->pos(), it.value());
        QTest::qWait(20);
        QCOMPARE(view.zoom(), zoom);
        QCOMPARE(view.graphicsView()->mapToScene(view.graphicsView()->viewport()->rect().center()),
                 centre);
        // And a node removed again keeps the rest in place too.
        map.nodes.removeLast();
        map.edges.removeLast();
        view.setMap(map);
        for (auto it = positions.cbegin(); it != positions.cend(); ++it)
            QCOMPARE(view.nodeItem(it.key())->pos(), it.value());
        QVERIFY(!view.nodeItem(mapProducerKey("audit-writer")));
    }

    void doubleClickNavigates() {
        ServiceMapView view;
        view.resize(1400, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        view.setMap(shopMap());
        QSignalSpy groups(&view, &ServiceMapView::groupActivated);
        QSignalSpy streams(&view, &ServiceMapView::streamActivated);
        QSignalSpy consumers(&view, &ServiceMapView::consumerActivated);
        QWidget *viewport = view.graphicsView()->viewport();

        ServiceMapNodeItem *group = view.nodeItem(mapGroupKey("order-events", "payment-service"));
        QVERIFY(view.graphicsView()->viewport()->rect().contains(
            viewportPoint(view, group, group->rect().center())));
        // The title line.
        QTest::mouseDClick(viewport, Qt::LeftButton, {}, viewportPoint(view, group, {30, 14}));
        QCOMPARE(groups.size(), 1);
        QCOMPARE(groups.first().at(0).toByteArray(), QByteArray("order-events"));
        QCOMPARE(groups.first().at(1).toByteArray(), QByteArray("payment-service"));
        QCOMPARE(consumers.size(), 0);

        // The second consumer's line.
        std::optional<QPointF> at;
        for (qreal y = 0; y < group->rect().height() && !at; y += 2)
            if (group->consumerAt({30, y}) == 1)
                at = QPointF(30, y + 2);
        QVERIFY(at);
        QTest::mouseDClick(viewport, Qt::LeftButton, {}, viewportPoint(view, group, *at));
        QCOMPARE(consumers.size(), 1);
        QCOMPARE(consumers.first().at(0).toByteArray(), QByteArray("order-events"));
        QCOMPARE(consumers.first().at(1).toByteArray(), QByteArray("payment-service"));
        QCOMPARE(consumers.first().at(2).toByteArray(), QByteArray("payment-2"));
        QCOMPARE(groups.size(), 1);

        ServiceMapNodeItem *stream = view.nodeItem(mapStreamKey("payment-events"));
        QTest::mouseDClick(viewport, Qt::LeftButton, {},
                           viewportPoint(view, stream, stream->rect().center()));
        QCOMPARE(streams.size(), 1);
        QCOMPARE(streams.first().at(0).toByteArray(), QByteArray("payment-events"));
        // Empty canvas: nothing.
        QTest::mouseDClick(viewport, Qt::LeftButton, {},
                           view.graphicsView()->mapFromScene(QPointF(-20, 400)));
        QCOMPARE(groups.size() + streams.size() + consumers.size(), 3);
    }

    void staleGreysTheMap() {
        ServiceMapView view;
        view.resize(1400, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        view.setMap(shopMap());
        const QColor warning = toneColour(Tone::Warning, view.palette());
        const QColor critical = toneColour(Tone::Critical, view.palette());
        QVERIFY(pixelsNear(view, warning) > 50);  // the lagging group stands out
        QVERIFY(pixelsNear(view, critical) > 50); // the dead consumer too
        QVERIFY(view.noteText().indexOf(QStringLiteral("last updated")) < 0);

        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch() - 30000;
        stale.reason = QStringLiteral("the server does not answer");
        view.setFreshness(stale);
        for (ServiceMapEdgeItem *e : view.edgeItems())
            QVERIFY2(e->label() == "-" || e->label() == "- delivered, - acked",
                     qPrintable(e->label()));
        QVERIFY(pixelsNear(view, warning) == 0);
        QVERIFY(pixelsNear(view, critical) == 0);
        QVERIFY(view.noteText().contains(stale.lastUpdatedText()));
        QVERIFY(view.noteText().contains(QStringLiteral("the server does not answer")));
        QVERIFY(view.nodeItem(mapStreamKey("order-events"))->toolTip().startsWith("Greyed"));
        // An update while stale stays grey (the figures are as of the last poll).
        view.setMap(shopMap(3));
        QCOMPARE(view.edgeItem(mapStreamKey("order-events"),
                               mapGroupKey("order-events", "payment-service"))
                     ->label(),
                 QStringLiteral("- delivered, - acked"));
        // Current again: the rates and colours are back.
        view.setFreshness(current());
        QCOMPARE(view.edgeItem(mapStreamKey("order-events"),
                               mapGroupKey("order-events", "payment-service"))
                     ->label(),
                 QStringLiteral("24.0/s delivered, 23.7/s acked"));
        QVERIFY(pixelsNear(view, warning) > 50);
        QVERIFY(view.noteText().indexOf(QStringLiteral("last updated")) < 0);
    }

    void emptyMapSaysWhy() {
        ServiceMapView view;
        QVERIFY(view.showsEmpty());
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("Not connected")),
                 qPrintable(view.emptyText()));
        view.setFreshness(current());
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("Waiting for the first poll")),
                 qPrintable(view.emptyText()));
        // The builder before its first poll: nothing as of no time.
        view.setMap(ServiceMap());
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("Waiting for the first poll")),
                 qPrintable(view.emptyText()));
        ServiceMap empty;
        empty.atMs = QDateTime::currentMSecsSinceEpoch();
        empty.producersNote = QStringLiteral("no permission to run CLIENT LIST: NOPERM");
        view.setMap(empty);
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("No streams on this server")),
                 qPrintable(view.emptyText()));
        QVERIFY(view.noteText().contains(QStringLiteral("NOPERM")));
        empty.limitNote = QStringLiteral("0 of 12 streams match the pattern \"x*\"");
        view.setMap(empty);
        QVERIFY(view.emptyText().startsWith(QStringLiteral("No streams to show")));
        QVERIFY(view.noteText().contains(QStringLiteral("0 of 12 streams")));
        view.setMap(shopMap());
        QVERIFY(!view.showsEmpty());
        QVERIFY(view.emptyText().isEmpty());
        // Disconnected: nothing from the old server stays.
        Freshness gone;
        view.setFreshness(gone);
        QVERIFY(view.showsEmpty());
        QVERIFY(view.emptyText().startsWith(QStringLiteral("Not connected")));
        QVERIFY(view.nodeItems().isEmpty());
        // Connected but the first poll never answered.
        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.reason = QStringLiteral("the server does not answer");
        view.setFreshness(stale);
        QVERIFY2(view.emptyText().contains(QStringLiteral("the server does not answer")),
                 qPrintable(view.emptyText()));
    }

    void zoomAndFit() {
        ServiceMapView view;
        view.resize(1400, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        view.setMap(shopMap());
        // Fitted on the first map: everything visible.
        const auto allVisible = [&] {
            const QRectF shown = view.graphicsView()
                                     ->mapToScene(view.graphicsView()->viewport()->rect())
                                     .boundingRect();
            return shown.adjusted(-1, -1, 1, 1).contains(view.scene()->itemsBoundingRect());
        };
        QTRY_VERIFY(allVisible());
        const qreal fitted = view.zoom();
        QVERIFY(fitted <= 1.0);
        QTest::keyClick(view.graphicsView(), Qt::Key_Plus, Qt::ControlModifier);
        QVERIFY(view.zoom() > fitted * 1.2);
        QTest::keyClick(view.graphicsView(), Qt::Key_Minus, Qt::ControlModifier);
        QTest::keyClick(view.graphicsView(), Qt::Key_Minus, Qt::ControlModifier);
        QVERIFY(view.zoom() < fitted);
        const qreal before = view.zoom();
        QWheelEvent wheel(
            QPointF(100, 100), view.graphicsView()->viewport()->mapToGlobal(QPointF(100, 100)),
            QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.graphicsView()->viewport(), &wheel);
        QVERIFY(view.zoom() > before * 1.3);
        QTest::keyClick(view.graphicsView(), Qt::Key_0, Qt::ControlModifier);
        QVERIFY(allVisible());
        // A plain wheel scrolls, it does not zoom.
        const qreal z = view.zoom();
        QWheelEvent scroll(
            QPointF(100, 100), view.graphicsView()->viewport()->mapToGlobal(QPointF(100, 100)),
            QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.graphicsView()->viewport(), &scroll);
        QCOMPARE(view.zoom(), z);
        // Dragging pans (zoomed in, so that there is somewhere to go).
        QCOMPARE(view.graphicsView()->dragMode(), QGraphicsView::ScrollHandDrag);
        QTest::keyClick(view.graphicsView(), Qt::Key_Plus, Qt::ControlModifier);
        QTest::keyClick(view.graphicsView(), Qt::Key_Plus, Qt::ControlModifier);
        QWidget *viewport = view.graphicsView()->viewport();
        QScrollBar *h = view.graphicsView()->horizontalScrollBar();
        QVERIFY(h->maximum() > 0);
        h->setValue(h->maximum() / 2);
        const int scrolled = h->value();
        const QPointF from(600, 300), to(400, 300);
        QMouseEvent press(QEvent::MouseButtonPress, from, viewport->mapToGlobal(from),
                          Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &press);
        for (int i = 1; i <= 4; ++i) {
            const QPointF at = from + (to - from) * i / 4.0;
            QMouseEvent move(QEvent::MouseMove, at, viewport->mapToGlobal(at), Qt::NoButton,
                             Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(viewport, &move);
        }
        QMouseEvent release(QEvent::MouseButtonRelease, to, viewport->mapToGlobal(to),
                            Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &release);
        QVERIFY2(h->value() > scrolled + 100,
                 qPrintable(QStringLiteral("%1 -> %2").arg(scrolled).arg(h->value())));
        QVERIFY(view.graphicsView()->userMoved());
    }

    void fiftyStreamsAreReadable() {
        ServiceMapView view;
        view.resize(1400, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        const ServiceMap map = fiftyStreamsMap();
        view.setMap(map);
        QCOMPARE(view.nodeItems().size(), map.nodes.size());
        QCOMPARE(view.edgeItems().size(), map.edges.size());
        QList<QRectF> nodes;
        for (ServiceMapNodeItem *n : view.nodeItems()) {
            nodes << n->rect().translated(n->pos());
            QVERIFY2(n->widestDrawnLine() <= n->textWidth() + 0.01, qPrintable(n->node().key));
            QVERIFY(n->textWidth() > 60);
        }
        for (int i = 0; i < nodes.size(); ++i)
            for (int j = i + 1; j < nodes.size(); ++j)
                QVERIFY2(!nodes.at(i).intersects(nodes.at(j)),
                         qPrintable(QStringLiteral("nodes %1 and %2 overlap").arg(i).arg(j)));
        // Arrow labels: whole, clear of every node and of each other.
        QList<QRectF> labels;
        for (ServiceMapEdgeItem *e : view.edgeItems()) {
            QCOMPARE(e->drawnLabel(), e->label());
            labels << e->labelRect();
            for (const QRectF &n : nodes)
                QVERIFY2(!e->labelRect().intersects(n), qPrintable(e->label()));
        }
        for (int i = 0; i < labels.size(); ++i)
            for (int j = i + 1; j < labels.size(); ++j)
                QVERIFY(!labels.at(i).intersects(labels.at(j)));
        // The first map is shown at a readable size from the top left.
        QTest::qWait(50);
        QVERIFY2(view.zoom() >= 0.59, qPrintable(QString::number(view.zoom())));
        const QRectF shown =
            view.graphicsView()->mapToScene(view.graphicsView()->viewport()->rect()).boundingRect();
        QVERIFY(shown.contains(view.nodeItems().first()->scene()->itemsBoundingRect().topLeft()
                               + QPointF(20, 20)));
        // Another update with other rates: every node stays.
        QHash<QString, QPointF> positions;
        for (ServiceMapNodeItem *n : view.nodeItems())
            positions[n->node().key] = n->pos();
        view.setMap(fiftyStreamsMap(123.0));
        for (ServiceMapNodeItem *n : view.nodeItems())
            QCOMPARE(n->pos(), positions.value(n->node().key));
        for (ServiceMapEdgeItem *e : view.edgeItems())
            QCOMPARE(e->drawnLabel(), e->label());
    }

    void drawsTheBuildersShop() {
        ServiceMapBuilder builder;
        ShopScript s;
        ClientSample clients;
        clients.clients = {
            clientNamed(1, "order-service", "evalsha"),
            clientNamed(2, "order-service:order-service-1", "xreadgroup"),
            clientNamed(3, "payment-service:payments-1>payment-events", "xreadgroup"),
            clientNamed(4, "payment-service:payments-2>payment-events", "xreadgroup"),
            clientNamed(5, "notification-service:notifier-1", "xreadgroup")};
        ServiceMapView view;
        view.resize(1400, 520);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        QHash<QString, QPointF> positions;
        for (int i = 0; i < 6; ++i) {
            const qint64 t = 10000 + i * 2000;
            s.feed(builder, t);
            clients.atMs = t + 50;
            builder.addClients(clients);
            // order-events grows alone twice: the samples tell order-service's stream apart.
            if (i == 2 || i == 3) {
                s.advance("order-events", 5);
            } else {
                s.advance("order-events", 10);
                s.advance("payment-events", 10);
            }
            const ServiceMap map = builder.map();
            view.setMap(map);
            QCOMPARE(view.nodeItems().size(), map.nodes.size());
            QCOMPARE(view.edgeItems().size(), map.edges.size());
            // Nodes that were there keep their places from one poll to the next.
            for (ServiceMapNodeItem *n : view.nodeItems())
                if (positions.contains(n->node().key)
                    && view.nodeItems().size() == positions.size())
                    QCOMPARE(n->pos(), positions.value(n->node().key));
            positions.clear();
            for (ServiceMapNodeItem *n : view.nodeItems())
                positions[n->node().key] = n->pos();
        }
        const ServiceMap map = builder.map();
        // The producer came after the first maps; nobody touched the view, so it was fitted
        // again and shows the whole map.
        QTRY_VERIFY(view.graphicsView()
                        ->mapToScene(view.graphicsView()->viewport()->rect())
                        .boundingRect()
                        .adjusted(-1, -1, 1, 1)
                        .contains(view.scene()->itemsBoundingRect()));
        // order-service -> order-events -> payment-service -> payment-events -> the two groups,
        // left to right.
        const auto x = [&](const QString &key) {
            ServiceMapNodeItem *item = view.nodeItem(key);
            return item ? item->x() : -1.0;
        };
        QVERIFY(x(mapProducerKey("order-service")) >= 0);
        QVERIFY(x(mapProducerKey("order-service")) < x(mapStreamKey("order-events")));
        QVERIFY(x(mapStreamKey("order-events"))
                < x(mapGroupKey("order-events", "payment-service")));
        QVERIFY(x(mapGroupKey("order-events", "payment-service"))
                < x(mapStreamKey("payment-events")));
        QVERIFY(x(mapStreamKey("payment-events"))
                < x(mapGroupKey("payment-events", "notification-service")));
        QVERIFY(view.nodeItem(mapGroupKey("order-events", "payment-service"))
                    ->drawnLines()
                    .filter(QStringLiteral("payments-2"))
                    .size()
                == 1);
        // Rates known after two looks: every arrow shows one.
        for (ServiceMapEdgeItem *e : view.edgeItems())
            QVERIFY2(e->label().contains(QStringLiteral("/s")), qPrintable(e->label()));
        QVERIFY(view.noteText().contains(QStringLiteral("CLIENT LIST")));
        QTest::qWait(50);
        QVERIFY(view.grab().save(QStringLiteral("/tmp/servicemap-builder-shop.png")));
    }

    // The tab in a 1280x800 window leaves the map about 810x500: the demo's whole map shows
    // there, readable, and stays whole when it changes (a stream more) and the tab comes back.
    void shopFitsTheTabOfAnOrdinaryWindow() {
        ServiceMapView view;
        view.resize(810, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        ServiceMap map = builtShop();
        QCOMPARE(map.nodes.size(), 6);
        view.setMap(map);
        const auto wholeInView = [&view] {
            return view.graphicsView()
                ->mapToScene(view.graphicsView()->viewport()->rect())
                .boundingRect()
                .adjusted(-1, -1, 1, 1)
                .contains(view.scene()->itemsBoundingRect());
        };
        QTRY_VERIFY(wholeInView());
        QVERIFY2(view.zoom() >= 0.47, qPrintable(QString::number(view.zoom())));
        // Another stream appears while the tab is hidden; back on the tab the map is whole.
        view.hide();
        map.nodes << streamNode("replayed-orders", 1, 1, 272);
        view.setMap(map);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY(wholeInView());
        QVERIFY2(view.zoom() >= 0.45, qPrintable(QString::number(view.zoom())));
        // A 1024x700 window leaves the tab about 775x450: still the whole story, if smaller.
        view.resize(775, 450);
        view.fitToView();
        view.setMap(builtShop());
        QTRY_VERIFY(wholeInView());
        QVERIFY2(view.zoom() >= 0.45, qPrintable(QString::number(view.zoom())));
    }

    // A failing group's line says what is wrong in a few words, whole; the finding's sentence
    // (elided when drawn) is in the tooltip.
    void healthLineIsShortAndWhole() {
        ServiceMapView view;
        view.resize(900, 500);
        view.setFreshness(current());
        ServiceMap map = shopMap();
        for (ServiceMapNode &n : map.nodes)
            if (n.name == "payment-service") {
                n.healthText = QStringLiteral(
                    "consumer \"payment-2\" of group \"payment-service\" on \"order-events\" "
                    "holds 5 pending entries and has been idle for 2 h. If it is gone, claim its "
                    "entries for a live consumer.");
                n.healthSummary = QStringLiteral("dead consumer payment-2");
            }
        view.setMap(map);
        ServiceMapNodeItem *item = view.nodeItem(mapGroupKey("order-events", "payment-service"));
        QVERIFY(item);
        QVERIFY2(item->drawnLines().contains(QStringLiteral("dead consumer payment-2")),
                 qPrintable(item->drawnLines().join(QLatin1Char('|'))));
        QVERIFY(item->toolTip().contains(QStringLiteral("holds 5 pending entries")));
    }

    // A consumer's figures change every poll ("idle 5 ms", then "idle 1.2 s", pending in the
    // thousands): its group's column, sized once, leaves room for them.
    void consumerLinesStayWholeAsFiguresChange() {
        ServiceMapView view;
        view.resize(900, 500);
        view.setFreshness(current());
        ServiceMap map = shopMap();
        const auto setFigures = [&map](qint64 pending, qint64 quietMs) {
            for (ServiceMapNode &n : map.nodes)
                for (ServiceMapConsumer &c : n.consumers)
                    if (!c.dead) {
                        c.pending = pending;
                        c.quietMs = quietMs;
                    }
        };
        setFigures(0, 5);
        view.setMap(map);
        setFigures(1234, 45'600);
        view.setMap(map);
        int checked = 0;
        for (ServiceMapNodeItem *item : view.nodeItems())
            for (const ServiceMapConsumer &c : item->node().consumers)
                if (!c.dead) {
                    const QString whole =
                        QString::fromUtf8(c.name) + QStringLiteral(": 1,234 pending, idle 45.6 s");
                    QVERIFY2(item->drawnLines().contains(whole),
                             qPrintable(item->drawnLines().join(QLatin1Char('|'))));
                    ++checked;
                }
        QCOMPARE(checked, 3);
        // One of them dies: its line, bold, is whole too.
        for (ServiceMapNode &n : map.nodes)
            for (ServiceMapConsumer &c : n.consumers)
                if (c.name == "notify-1") {
                    c.dead = true;
                    c.pending = 12;
                    c.quietMs = 8'500;
                }
        view.setMap(map);
        ServiceMapNodeItem *notify =
            view.nodeItem(mapGroupKey("payment-events", "notification-service"));
        QVERIFY2(
            notify->drawnLines().contains(QStringLiteral("notify-1: dead, 12 pending, idle 8.5 s")),
            qPrintable(notify->drawnLines().join(QLatin1Char('|'))));
    }

    // The first polls may see a group before its consumers (they join on their first read):
    // one that joins later widens its column once, and its line is whole.
    void aConsumerJoiningLaterIsWhole() {
        ServiceMapView view;
        view.resize(900, 500);
        view.setFreshness(current());
        ServiceMap map = shopMap();
        QList<ServiceMapConsumer> consumers;
        for (ServiceMapNode &n : map.nodes)
            if (n.name == "payment-service")
                consumers = std::exchange(n.consumers, {});
        view.setMap(map);
        for (ServiceMapNode &n : map.nodes)
            if (n.name == "payment-service") {
                n.consumers = consumers;
                n.consumers.append({"payments-22", 1, 22'500, true});
            }
        view.setMap(map);
        ServiceMapNodeItem *item = view.nodeItem(mapGroupKey("order-events", "payment-service"));
        QVERIFY2(item->drawnLines().contains(
                     QStringLiteral("payments-22: dead, 1 pending, idle 22.5 s")),
                 qPrintable(item->drawnLines().join(QLatin1Char('|'))));
        // Nothing overlaps after the column widened.
        const QList<ServiceMapNodeItem *> nodes = view.nodeItems();
        for (int i = 0; i < nodes.size(); ++i)
            for (int j = i + 1; j < nodes.size(); ++j)
                QVERIFY(!nodes.at(i)
                             ->rect()
                             .translated(nodes.at(i)->pos())
                             .intersects(nodes.at(j)->rect().translated(nodes.at(j)->pos())));
    }

    void pictures_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }
    void pictures() {
        QFETCH(bool, dark);
        const QString suffix = dark ? QStringLiteral("-dark") : QString();
        ServiceMapView view;
        view.setPalette(dark ? darkPalette() : lightPalette());
        view.resize(1400, 520);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFreshness(current());
        ServiceMap shop = shopMap();
        shop.nodes.append(producerNode("checkout-api", 0, 1));
        shop.edges.append(
            produces(mapProducerKey("checkout-api"), mapStreamKey("order-events"), {}));
        view.setMap(shop);
        QTest::qWait(50);
        QVERIFY(view.grab().save(QStringLiteral("/tmp/servicemap-shop%1.png").arg(suffix)));
        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch() - 30000;
        stale.reason = QStringLiteral("the server does not answer");
        view.setFreshness(stale);
        QVERIFY(view.grab().save(QStringLiteral("/tmp/servicemap-shop-stale%1.png").arg(suffix)));

        ServiceMapView big;
        big.setPalette(dark ? darkPalette() : lightPalette());
        big.resize(1400, 900);
        big.show();
        QVERIFY(QTest::qWaitForWindowExposed(&big));
        big.setFreshness(current());
        big.setMap(fiftyStreamsMap());
        QTest::qWait(50);
        QVERIFY(big.grab().save(QStringLiteral("/tmp/servicemap-50%1.png").arg(suffix)));
        saveScene(big, QStringLiteral("/tmp/servicemap-50-whole%1.png").arg(suffix));
    }
};

QTEST_MAIN(TestServiceMapView)
#include "tst_servicemapview.moc"
