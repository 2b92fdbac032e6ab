#include "ServiceMapView.h"
#include "Palette.h"

#include <QEvent>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QLabel>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

namespace streamscope {

namespace {

constexpr qreal rowGap = 18;     // between two nodes of a column
constexpr qreal curveRoom = 36;  // the curved stretch of an arrow, before its label
constexpr qreal arrowLength = 9; // as ServiceMapItems draws it
constexpr qreal laneGap = 10;    // between two arrows routed above the map
constexpr qreal minNodeHeight = 46;
constexpr qreal cornerRadius = 8;

QString edgeKey(const ServiceMapEdge &e) {
    return QStringLiteral("%1\x1e%2\x1e%3").arg(int(e.kind)).arg(e.from, e.to);
}

// A polyline with its corners rounded by quadratic curves.
QPainterPath roundedRoute(const QList<QPointF> &points, qreal radius) {
    QPainterPath path(points.first());
    for (int i = 1; i + 1 < points.size(); ++i) {
        const QPointF prev = points.at(i - 1), at = points.at(i), next = points.at(i + 1);
        const QPointF in = at - prev, out = next - at;
        const qreal inLen = std::hypot(in.x(), in.y()), outLen = std::hypot(out.x(), out.y());
        const qreal r = std::min({radius, inLen / 2, outLen / 2});
        if (inLen <= 0 || outLen <= 0) {
            path.lineTo(at);
            continue;
        }
        path.lineTo(at - in * (r / inLen));
        path.quadTo(at, at + out * (r / outLen));
    }
    path.lineTo(points.last());
    return path;
}

} // namespace

ServiceMapView::ServiceMapView(QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_empty(new QLabel(this))
    , m_view(new ServiceMapGraphicsView(this))
    , m_scene(new QGraphicsScene(this))
    , m_note(new QLabel(this)) {
    m_style.setPalette(palette());
    m_style.setFont(font());

    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setObjectName(QStringLiteral("serviceMapEmpty"));
    m_view->setScene(m_scene);
    m_view->setObjectName(QStringLiteral("serviceMapView"));
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex); // items move and change often
    m_scene->setBackgroundBrush(m_style.background());
    m_stack->addWidget(m_empty);
    m_stack->addWidget(m_view);

    m_note->setWordWrap(true);
    m_note->setContentsMargins(6, 3, 6, 3);
    m_note->setTextFormat(Qt::RichText);
    m_note->setObjectName(QStringLiteral("serviceMapNote"));
    m_note->setToolTip(tr("Ctrl+wheel or Ctrl++ / Ctrl+- zoom, Ctrl+0 fits the map, drag to pan; "
                          "double-click a stream, group or consumer to open it."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_note);

    connect(m_view, &ServiceMapGraphicsView::nodeDoubleClicked, this,
            &ServiceMapView::onDoubleClicked);
    updateNotes();
}

ServiceMapEdgeItem *ServiceMapView::edgeItem(const QString &from, const QString &to) const {
    for (ServiceMapEdge::Kind kind :
         {ServiceMapEdge::Kind::Delivers, ServiceMapEdge::Kind::Produces}) {
        ServiceMapEdge e;
        e.kind = kind;
        e.from = from;
        e.to = to;
        if (ServiceMapEdgeItem *item = m_edges.value(edgeKey(e)))
            return item;
    }
    return nullptr;
}

bool ServiceMapView::showsEmpty() const {
    return m_stack->currentWidget() == m_empty;
}

QString ServiceMapView::emptyText() const {
    return showsEmpty() ? m_empty->text() : QString();
}

qreal ServiceMapView::zoom() const {
    return m_view->zoom();
}

void ServiceMapView::fitToView() {
    m_view->fitAll();
    m_view->setUserMoved(false);
}

void ServiceMapView::setMap(const ServiceMap &map) {
    // Another server's picture (no node in common) starts afresh: its own column widths, a fit.
    bool common = m_nodes.isEmpty();
    for (const ServiceMapNode &n : map.nodes)
        if (m_nodes.contains(n.key)) {
            common = true;
            break;
        }
    if (!common) {
        m_columnWidth.clear();
        m_straight.clear();
        m_rowHeight.clear();
        m_sceneRect = QRectF();
        m_fitPending = true;
        m_view->setUserMoved(false);
    }
    // Until the user zooms or scrolls, the whole map stays in view as nodes come and go (the
    // first maps lack the producers: CLIENT LIST needs a few samples).
    bool sameNodes = map.nodes.size() == m_nodes.size();
    for (int i = 0; sameNodes && i < map.nodes.size(); ++i)
        sameNodes = m_nodes.contains(map.nodes.at(i).key);
    if (!m_haveMap || (!sameNodes && !m_view->userMoved()))
        m_fitPending = true;
    m_map = map;
    // A map of nothing as of no time is the builder before its first poll, not "no streams".
    m_haveMap = !(map.nodes.isEmpty() && map.atMs <= 0);

    QSet<QString> keys;
    for (const ServiceMapNode &n : map.nodes) {
        keys.insert(n.key);
        ServiceMapNodeItem *&item = m_nodes[n.key];
        if (!item) {
            item = new ServiceMapNodeItem(&m_style);
            m_scene->addItem(item);
        }
        item->setNode(n);
    }
    for (auto it = m_nodes.begin(); it != m_nodes.end();) {
        if (keys.contains(it.key())) {
            ++it;
            continue;
        }
        delete it.value();
        it = m_nodes.erase(it);
    }

    QSet<QString> edgeKeys;
    for (const ServiceMapEdge &e : map.edges) {
        const ServiceMapNode *to = map.node(e.to);
        if (!map.node(e.from) || !to)
            continue; // an edge to nowhere: nothing to draw it between
        const QString key = edgeKey(e);
        edgeKeys.insert(key);
        ServiceMapEdgeItem *&item = m_edges[key];
        if (!item) {
            item = new ServiceMapEdgeItem(&m_style);
            m_scene->addItem(item);
        }
        item->setEdge(e, to->kind == ServiceMapNode::Kind::Group ? std::optional(to->health)
                                                                 : std::nullopt);
    }
    for (auto it = m_edges.begin(); it != m_edges.end();) {
        if (edgeKeys.contains(it.key())) {
            ++it;
            continue;
        }
        delete it.value();
        it = m_edges.erase(it);
    }

    if (map.nodes.isEmpty()) {
        m_columnWidth.clear();
        m_straight.clear();
        m_rowHeight.clear();
        m_sceneRect = QRectF();
        m_fitPending = true;
    } else {
        layoutMap();
    }
    updateNotes();
    fitIfFirst();
}

void ServiceMapView::setFreshness(const Freshness &freshness) {
    if (freshness == m_freshness)
        return;
    m_freshness = freshness;
    if (freshness.state == Freshness::State::NotConnected) {
        // Nothing from any server: the next server's map starts afresh.
        m_haveMap = false;
        m_map = ServiceMap();
        qDeleteAll(m_edges);
        m_edges.clear();
        qDeleteAll(m_nodes);
        m_nodes.clear();
        m_columnWidth.clear();
        m_straight.clear();
        m_rowHeight.clear();
        m_sceneRect = QRectF();
        m_view->setUserMoved(false);
    }
    const bool stale = !freshness.isCurrent() && freshness.state != Freshness::State::NotConnected;
    if (stale != m_style.stale) {
        m_style.stale = stale;
        restyle();
    }
    updateNotes();
}

void ServiceMapView::restyle() {
    m_scene->setBackgroundBrush(m_style.background());
    for (ServiceMapNodeItem *item : std::as_const(m_nodes))
        item->restyle();
    for (ServiceMapEdgeItem *item : std::as_const(m_edges))
        item->restyle();
    m_scene->update();
}

void ServiceMapView::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_style.setPalette(palette());
        restyle();
        updateNotes();
    } else if (event->type() == QEvent::FontChange) {
        m_style.setFont(font());
        // Sizes measured with the old font mean nothing now.
        m_columnWidth.clear();
        m_straight.clear();
        m_rowHeight.clear();
        restyle();
        if (!m_nodes.isEmpty())
            layoutMap();
    }
}

void ServiceMapView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (m_fitPending)
        QTimer::singleShot(0, this, &ServiceMapView::fitIfFirst);
}

void ServiceMapView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    if (m_fitPending)
        QTimer::singleShot(0, this, &ServiceMapView::fitIfFirst);
}

void ServiceMapView::fitIfFirst() {
    if (!m_fitPending || m_nodes.isEmpty() || !isVisible())
        return;
    // The graphics view was hidden behind the empty message until now: its size is only
    // known once its pending resize is delivered.
    if (m_view->testAttribute(Qt::WA_PendingResizeEvent)
        || m_view->viewport()->testAttribute(Qt::WA_PendingResizeEvent)) {
        QTimer::singleShot(0, this, &ServiceMapView::fitIfFirst);
        return;
    }
    if (!m_view->isVisible() || m_view->viewport()->width() < 50
        || m_view->viewport()->height() < 50)
        return; // tried again on the next resize
    m_fitPending = false;
    if (m_view->userMoved())
        return;
    // The whole map when it is still legible so (the demo's shop in the tab of a 1024x700
    // window: its groups, the end of the story, never a scroll away); a large one (50 streams)
    // fits its width at a readable size and starts at the top left, the rest a scroll away.
    const QRectF bounds = m_scene->sceneRect();
    const QSizeF room = m_view->viewport()->size();
    const qreal wide = room.width() / bounds.width(), tall = room.height() / bounds.height();
    const qreal whole = std::min(wide, tall) * 0.98; // a little room: no scroll bar for a pixel
    constexpr qreal readable = 0.6, legible = 0.45;
    if (whole >= legible) {
        const qreal z = std::min(whole, 1.0);
        m_view->setTransform(QTransform::fromScale(z, z));
        m_view->centerOn(bounds.center());
    } else {
        const qreal z = std::clamp(wide * 0.98, readable, 1.0);
        m_view->setTransform(QTransform::fromScale(z, z));
        m_view->centerOn(bounds.left() + room.width() / z / 2,
                         bounds.top() + room.height() / z / 2);
    }
}

void ServiceMapView::layoutMap() {
    const QFontMetricsF fm(m_style.font), small(m_style.smallFont);
    const qreal minColumn = std::ceil(fm.averageCharWidth() * 18);
    const qreal maxColumn = std::ceil(fm.averageCharWidth() * 46);
    // A consumer's line (bold when dead, with its figures) may take a little more.
    const qreal maxConsumerColumn = std::ceil(fm.averageCharWidth() * 56);
    // The stretch before a column holds the labels of the arrows into it: "8.0/s delivered"
    // before groups, only "8.0/s" before streams. Sized by the kinds of arrows a column
    // receives, for rates up to 999,999/s, and grow-only while the same server is shown, so a
    // changing rate never moves a node; the map is no wider than its labels need.
    const auto straightFor = [&small](ServiceMapEdge::Kind kind) {
        return std::ceil(small.horizontalAdvance(ServiceMapEdgeItem::widestLabel(kind)))
               + arrowLength + 10;
    };
    const qreal straightProduces = straightFor(ServiceMapEdge::Kind::Produces);
    const qreal labelHeight = m_style.smallLineHeight();
    const qreal outPitch = 12;

    // Edges between drawn nodes, counted per node side.
    struct Ends {
        QList<ServiceMapEdgeItem *> in, out;
    };
    QHash<QString, Ends> ends;
    for (ServiceMapEdgeItem *e : std::as_const(m_edges)) {
        ends[e->edge().to].in.append(e);
        ends[e->edge().from].out.append(e);
    }

    // Columns by rank, rows by order (ties by key, so the same on every update).
    QMap<int, QList<ServiceMapNodeItem *>> columns;
    for (ServiceMapNodeItem *item : std::as_const(m_nodes))
        columns[item->node().rank].append(item);
    for (auto &column : columns)
        std::sort(column.begin(), column.end(), [](ServiceMapNodeItem *a, ServiceMapNodeItem *b) {
            if (a->node().order != b->node().order)
                return a->node().order < b->node().order;
            return a->node().key < b->node().key;
        });
    // A column is sized from its longest label when it first appears; a node that comes later
    // fits in it (elided, whole in the tooltip), so nothing already drawn moves.
    // Except for a group's consumers: one that joins later (a service starting its second
    // instance) widens the column once, or its line, the one that says a consumer is dead,
    // would stay elided for as long as the server is shown.
    for (auto it = columns.cbegin(); it != columns.cend(); ++it) {
        if (m_columnWidth.contains(it.key())) {
            qreal &width = m_columnWidth[it.key()];
            for (ServiceMapNodeItem *item : it.value())
                if (item->node().kind == ServiceMapNode::Kind::Group)
                    width = std::max(width, std::min(maxConsumerColumn, item->consumersWidth()));
            continue;
        }
        qreal need = minColumn;
        for (ServiceMapNodeItem *item : it.value())
            need = std::max({need, std::min(maxColumn, item->naturalWidth()),
                             std::min(maxConsumerColumn, item->consumersWidth())});
        m_columnWidth[it.key()] = need;
    }
    for (ServiceMapEdgeItem *e : std::as_const(m_edges)) {
        const int rank = m_nodes.value(e->edge().to)->node().rank;
        m_straight[rank] =
            std::max(m_straight.value(rank, straightProduces), straightFor(e->edge().kind));
    }
    const int firstRank = std::min(0, columns.firstKey());
    const int lastRank = columns.lastKey();
    QHash<int, qreal> columnX;
    qreal x = 0;
    for (int rank = firstRank; rank <= lastRank; ++rank) {
        if (rank > firstRank)
            x += m_straight.value(rank, straightProduces) + curveRoom;
        columnX[rank] = x;
        x += m_columnWidth.value(rank, minColumn);
    }

    // Rows: each column stacks its nodes by order, and a node comes no higher than the first
    // node it feeds in a column to its right (a stream beside its first group, a producer
    // beside its first stream), so arrows run short and level. Placed right to left, from the
    // model's order and the nodes' sizes only; a row's height never shrinks while the same
    // server is shown, so an update with other figures moves nothing.
    for (auto it = columns.cend(); it != columns.cbegin();) {
        --it;
        const int rank = it.key();
        const qreal width = m_columnWidth.value(rank);
        qreal y = 0;
        for (ServiceMapNodeItem *item : it.value()) {
            const Ends &e = ends[item->node().key];
            int inLines = 1;
            for (ServiceMapEdgeItem *in : e.in)
                inLines = std::max(inLines, ServiceMapEdgeItem::linesOf(in->edge().kind));
            const qreal inPitch = inLines * labelHeight + 6;
            qreal height = std::max({minNodeHeight, item->contentHeight(),
                                     (e.in.size() + 1) * inPitch, (e.out.size() + 1) * outPitch});
            height = std::ceil(height);
            qreal alignTo = y;
            bool aligned = false;
            for (ServiceMapEdgeItem *out : e.out) {
                ServiceMapNodeItem *target = m_nodes.value(out->edge().to);
                if (target->node().rank > rank) {
                    alignTo = aligned ? std::min(alignTo, target->y()) : target->y();
                    aligned = true;
                }
            }
            y = std::max(y, alignTo);
            const QPair<int, int> slot(rank, item->node().order);
            const qreal room = std::max(height, m_rowHeight.value(slot));
            m_rowHeight[slot] = room;
            item->setPos(columnX.value(rank), y);
            item->setSize(QSizeF(width, height));
            y += room + rowGap;
        }
    }

    // Arrows. One that goes back (or stays in its column) is routed above the map, each in a
    // lane of its own; the rest curve from the source's right side to the target's left one.
    const auto centreY = [](ServiceMapNodeItem *n) { return n->y() + n->rect().height() / 2; };
    const auto isBack = [this](ServiceMapEdgeItem *e) {
        return m_nodes.value(e->edge().to)->node().rank
               <= m_nodes.value(e->edge().from)->node().rank;
    };
    QList<ServiceMapEdgeItem *> back;
    for (ServiceMapEdgeItem *e : std::as_const(m_edges))
        if (isBack(e))
            back.append(e);
    std::sort(back.begin(), back.end(), [](ServiceMapEdgeItem *a, ServiceMapEdgeItem *b) {
        return edgeKey(a->edge()) < edgeKey(b->edge());
    });
    QHash<ServiceMapEdgeItem *, int> lane;
    for (int i = 0; i < back.size(); ++i)
        lane[back.at(i)] = i;

    // Ports: each arrow its own point on a node's side, ordered by where its other end is so
    // that arrows do not cross needlessly (those over the top first).
    QHash<ServiceMapEdgeItem *, QPointF> startAt, endAt;
    QHash<ServiceMapEdgeItem *, int> startIndex, endIndex;
    for (auto it = ends.begin(); it != ends.end(); ++it) {
        ServiceMapNodeItem *node = m_nodes.value(it.key());
        if (!node)
            continue;
        const auto order = [&](bool incoming) {
            return [&, incoming](ServiceMapEdgeItem *a, ServiceMapEdgeItem *b) {
                const bool ba = lane.contains(a), bb = lane.contains(b);
                if (ba != bb)
                    return ba;
                if (ba)
                    return lane.value(a) > lane.value(b);
                ServiceMapNodeItem *oa = m_nodes.value(incoming ? a->edge().from : a->edge().to);
                ServiceMapNodeItem *ob = m_nodes.value(incoming ? b->edge().from : b->edge().to);
                if (centreY(oa) != centreY(ob))
                    return centreY(oa) < centreY(ob);
                return edgeKey(a->edge()) < edgeKey(b->edge());
            };
        };
        std::sort(it->in.begin(), it->in.end(), order(true));
        std::sort(it->out.begin(), it->out.end(), order(false));
        const QRectF r = node->rect().translated(node->pos());
        for (int i = 0; i < it->in.size(); ++i) {
            endAt[it->in.at(i)] =
                QPointF(r.left(), std::round(r.top() + (i + 1) * r.height() / (it->in.size() + 1)));
            endIndex[it->in.at(i)] = i;
        }
        for (int i = 0; i < it->out.size(); ++i) {
            startAt[it->out.at(i)] = QPointF(
                r.right(), std::round(r.top() + (i + 1) * r.height() / (it->out.size() + 1)));
            startIndex[it->out.at(i)] = i;
        }
    }

    for (ServiceMapEdgeItem *e : std::as_const(m_edges)) {
        const QPointF p0 = startAt.value(e), tip = endAt.value(e);
        const qreal straight =
            m_straight.value(m_nodes.value(e->edge().to)->node().rank, straightProduces);
        const QPointF straightStart(tip.x() - straight, tip.y());
        const QPointF lineEnd(tip.x() - arrowLength + 1, tip.y());
        QPainterPath path;
        if (lane.contains(e)) {
            const qreal laneY = -24 - lane.value(e) * laneGap;
            const qreal up = p0.x() + 16 + startIndex.value(e) * 6;
            const qreal down = straightStart.x() - 16 - endIndex.value(e) * 6;
            path = roundedRoute(
                {p0, {up, p0.y()}, {up, laneY}, {down, laneY}, {down, tip.y()}, lineEnd},
                cornerRadius);
        } else {
            path.moveTo(p0);
            const qreal dx = std::max<qreal>(24, (straightStart.x() - p0.x()) / 2);
            path.cubicTo(p0 + QPointF(dx, 0), straightStart - QPointF(dx, 0), straightStart);
            path.lineTo(lineEnd);
        }
        const QRectF label(straightStart.x(), tip.y() - labelHeight - 1, straight - arrowLength - 4,
                           labelHeight);
        e->setGeometry(path, label, tip);
    }

    // Once the user has moved the view, the scene only grows (while the same server is shown):
    // their scroll position stays put.
    const QRectF bounds = m_scene->itemsBoundingRect().adjusted(-24, -24, 24, 24);
    // What is on screen stays part of the scene, or a scene smaller than the window would be
    // centred again as it grows.
    if (m_sceneRect.isNull() || !m_view->userMoved())
        m_sceneRect = bounds;
    else
        m_sceneRect = m_sceneRect.united(bounds).united(
            m_view->mapToScene(m_view->viewport()->rect()).boundingRect());
    m_scene->setSceneRect(m_sceneRect);
}

void ServiceMapView::updateNotes() {
    QString empty;
    if (m_freshness.state == Freshness::State::NotConnected)
        empty = tr("Not connected. Connect to a server to see its producers, streams and "
                   "consumer groups as a map.");
    else if (!m_haveMap)
        empty = m_freshness.isCurrent()
                    ? tr("Waiting for the first poll: the map appears once the server has "
                         "answered.")
                    : tr("Waiting for the first poll: %1")
                          .arg(m_freshness.reason.isEmpty() ? tr("the server has not answered.")
                                                            : m_freshness.reason);
    else if (m_map.nodes.isEmpty())
        empty = m_map.limitNote.isEmpty()
                    ? tr("No streams on this server: the map shows streams and their consumer "
                         "groups once there are some.")
                    : tr("No streams to show.");
    m_empty->setText(empty);
    m_stack->setCurrentWidget(empty.isEmpty() ? static_cast<QWidget *>(m_view) : m_empty);

    QStringList html;
    m_notePlain.clear();
    if (!m_freshness.isCurrent() && m_freshness.state != Freshness::State::NotConnected) {
        const QString stale =
            m_freshness.describe() + tr(" The map is greyed; rates are not shown.");
        m_notePlain << stale;
        // The view's own palette (it may differ from the application's).
        html << QStringLiteral("<span style='color:%1'>%2</span>")
                    .arg(toneColour(Tone::Warning, palette()).name(), stale.toHtmlEscaped());
    }
    for (const QString &note : {m_map.producersNote, m_map.limitNote})
        if (m_haveMap && !note.isEmpty()) {
            m_notePlain << note;
            html << note.toHtmlEscaped();
        }
    m_note->setText(html.join(QStringLiteral("<br>")));
    m_note->setVisible(!html.isEmpty());
}

QString ServiceMapView::noteText() const {
    return m_notePlain.join(QLatin1Char('\n'));
}

void ServiceMapView::onDoubleClicked(const QString &key, int consumer) {
    const ServiceMapNodeItem *item = m_nodes.value(key);
    if (!item)
        return;
    const ServiceMapNode &n = item->node();
    switch (n.kind) {
    case ServiceMapNode::Kind::Stream:
        Q_EMIT streamActivated(n.name);
        break;
    case ServiceMapNode::Kind::Group:
        if (consumer >= 0 && consumer < n.consumers.size())
            Q_EMIT consumerActivated(n.stream, n.name, n.consumers.at(consumer).name);
        else
            Q_EMIT groupActivated(n.stream, n.name);
        break;
    case ServiceMapNode::Kind::Producer:
        break; // a client, not something StreamScope opens
    }
}

} // namespace streamscope
