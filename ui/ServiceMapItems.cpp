#include "ServiceMapItems.h"
#include "Palette.h"
#include "Wording.h"

#include <QFontMetricsF>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QScrollBar>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace streamscope {

namespace {

constexpr int maxConsumerLines = 8; // more are counted ("+3 more"), all in the tooltip
constexpr qreal arrowLength = 9;

QString nameText(const QByteArray &name) {
    return name.isEmpty() ? QStringLiteral("(unnamed)") : QString::fromUtf8(name);
}

QColor withAlpha(QColor c, int alpha) {
    c.setAlpha(alpha);
    return c;
}

} // namespace

// --- style -----------------------------------------------------------------------------------

void ServiceMapStyle::setFont(const QFont &f) {
    font = f;
    titleFont = f;
    titleFont.setBold(true);
    smallFont = f;
    if (f.pointSizeF() > 0)
        smallFont.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
    else if (f.pixelSize() > 0)
        smallFont.setPixelSize(std::max(9, f.pixelSize() - 1));
}

qreal ServiceMapStyle::lineHeight() const {
    return std::ceil(std::max(QFontMetricsF(font).height(), QFontMetricsF(titleFont).height())) + 2;
}

qreal ServiceMapStyle::smallLineHeight() const {
    return std::ceil(QFontMetricsF(smallFont).height()) + 2;
}

QColor ServiceMapStyle::text() const {
    return stale ? toneColour(Tone::Muted, palette) : palette.color(QPalette::Text);
}

QColor ServiceMapStyle::secondary() const {
    // Between the text and the background: captions read as such on either palette.
    const QColor t = palette.color(QPalette::Text), b = palette.color(QPalette::Base);
    if (stale)
        return toneColour(Tone::Muted, palette);
    return QColor::fromRgbF(t.redF() * 0.65f + b.redF() * 0.35f,
                            t.greenF() * 0.65f + b.greenF() * 0.35f,
                            t.blueF() * 0.65f + b.blueF() * 0.35f);
}

QColor ServiceMapStyle::border() const {
    return stale ? toneColour(Tone::Muted, palette) : secondary();
}

QColor ServiceMapStyle::fill() const {
    return palette.color(QPalette::AlternateBase) == palette.color(QPalette::Base)
               ? palette.color(QPalette::Window)
               : palette.color(QPalette::AlternateBase);
}

QColor ServiceMapStyle::background() const {
    return palette.color(QPalette::Base);
}

QColor ServiceMapStyle::edge() const {
    return stale ? toneColour(Tone::Muted, palette) : withAlpha(palette.color(QPalette::Text), 150);
}

QColor ServiceMapStyle::accent() const {
    return stale ? toneColour(Tone::Muted, palette) : toneColour(Tone::Accent, palette);
}

QColor ServiceMapStyle::severity(Severity health) const {
    return stale ? toneColour(Tone::Muted, palette) : toneColour(severityTone(health), palette);
}

// --- node ------------------------------------------------------------------------------------

ServiceMapNodeItem::ServiceMapNodeItem(const ServiceMapStyle *style)
    : m_style(style) {
    setZValue(1);
    setAcceptHoverEvents(true);
    // Redrawn only when its text changes: a repaint of 150 nodes is then a copy of pictures.
    setCacheMode(QGraphicsItem::DeviceCoordinateCache);
}

QRectF ServiceMapNodeItem::boundingRect() const {
    return rect().adjusted(-2, -2, 2, 2);
}

void ServiceMapNodeItem::setNode(const ServiceMapNode &node) {
    m_node = node;
    const QList<Line> before = m_lines;
    rebuild();
    if (m_lines != before)
        update(); // an unchanged node keeps its cached picture
}

void ServiceMapNodeItem::restyle() {
    rebuild();
    update();
}

bool ServiceMapNodeItem::highlighted() const {
    if (m_node.kind != ServiceMapNode::Kind::Group)
        return false;
    if (m_node.health != Severity::Ok)
        return true;
    return std::any_of(m_node.consumers.cbegin(), m_node.consumers.cend(),
                       [](const ServiceMapConsumer &c) { return c.dead; });
}

void ServiceMapNodeItem::rebuild() {
    using Role = Line::Role;
    m_lines.clear();
    QStringList tip;
    const QString name = nameText(m_node.name);
    switch (m_node.kind) {
    case ServiceMapNode::Kind::Producer:
        m_lines.append({name, Role::Title, {}, -1});
        m_lines.append(
            {m_node.inferred ? QObject::tr("producer, inferred") : QObject::tr("producer"),
             Role::Caption,
             {},
             -1});
        tip << QObject::tr("Producer %1").arg(name);
        if (m_node.inferred)
            tip << QObject::tr("Inferred: a client of this name was seen adding entries "
                               "(CLIENT LIST), not declared by the service.");
        if (!m_node.clients.isEmpty()) {
            QStringList clients;
            for (const QByteArray &c : m_node.clients)
                clients << QString::fromUtf8(c);
            tip << QObject::tr("Clients: %1").arg(clients.join(QStringLiteral(", ")));
        }
        break;
    case ServiceMapNode::Kind::Stream:
        m_lines.append({name, Role::Title, {}, -1});
        m_lines.append({countOf(m_node.length, "entry", "entries"), Role::Info, {}, -1});
        tip << QObject::tr("Stream %1").arg(name)
            << QObject::tr("Length: %1").arg(countOf(m_node.length, "entry", "entries"))
            << QObject::tr("Double-click to browse it.");
        break;
    case ServiceMapNode::Kind::Group: {
        const QString stream = nameText(m_node.stream);
        const std::optional<Severity> tone =
            m_node.health == Severity::Ok ? std::nullopt : std::optional(m_node.health);
        m_lines.append({name, Role::Title, tone, -1});
        m_lines.append({m_node.alsoProduces ? QObject::tr("group on %1, produces").arg(stream)
                                            : QObject::tr("group on %1").arg(stream),
                        Role::Caption,
                        {},
                        -1});
        const QString lag = m_node.lag ? QObject::tr("lag %1").arg(formatCount(*m_node.lag))
                                       : QObject::tr("lag unknown");
        // The figures in the health's tone only when the group is behind: a dead consumer's
        // group with no lag does not read as lagging.
        const bool behind = m_node.lag && *m_node.lag > 0;
        m_lines.append({QObject::tr("%1, %2 pending").arg(lag, formatCount(m_node.pending)),
                        Role::Info, behind ? tone : std::nullopt, -1});
        // A few words ("dead consumer payments-2"): a whole sentence was elided in the column.
        const QString health =
            m_node.healthSummary.isEmpty() ? m_node.healthText : m_node.healthSummary;
        if (tone && !health.isEmpty())
            m_lines.append({health, Role::Health, tone, -1});
        if (m_node.consumers.isEmpty())
            m_lines.append({QObject::tr("no consumers"), Role::Consumer, {}, -1});
        QStringList consumerTips;
        for (int i = 0; i < m_node.consumers.size(); ++i) {
            const ServiceMapConsumer &c = m_node.consumers.at(i);
            const QString figures = QObject::tr("%1 pending, idle %2")
                                        .arg(formatCount(c.pending), formatDuration(c.quietMs));
            const QString text = c.dead ? QObject::tr("%1: dead, %2").arg(nameText(c.name), figures)
                                        : QObject::tr("%1: %2").arg(nameText(c.name), figures);
            consumerTips << QStringLiteral("  ") + text;
            if (i < maxConsumerLines || m_node.consumers.size() == maxConsumerLines + 1)
                m_lines.append({text, Role::Consumer,
                                c.dead ? std::optional(Severity::Critical) : std::nullopt, i});
        }
        // Consumers beyond the lines drawn, and those the model did not list (it bounds them).
        const int notDrawn = (m_node.consumers.size() > maxConsumerLines + 1
                                  ? int(m_node.consumers.size()) - maxConsumerLines
                                  : 0)
                             + m_node.consumersNotListed;
        if (notDrawn > 0)
            m_lines.append({QObject::tr("+%1 more").arg(notDrawn), Role::More, {}, -1});
        if (m_node.consumersNotListed > 0)
            consumerTips << QObject::tr("  and %1 more, not listed")
                                .arg(formatCount(m_node.consumersNotListed));
        tip << QObject::tr("%1 %2 on stream %3")
                   .arg(m_node.alsoProduces ? QObject::tr("Service (group that also produces)")
                                            : QObject::tr("Group"),
                        name, stream)
            << QObject::tr("Health: %1%2")
                   .arg(severityName(m_node.health), m_node.healthText.isEmpty()
                                                         ? QString()
                                                         : QStringLiteral(": ") + m_node.healthText)
            << QObject::tr("Lag: %1").arg(m_node.lag
                                              ? countOf(*m_node.lag, "entry", "entries")
                                              : QObject::tr("unknown (the server does not say)"))
            << QObject::tr("Pending: %1").arg(countOf(m_node.pending, "entry", "entries"))
            << QObject::tr("Consumers: %1")
                   .arg(formatCount(m_node.consumers.size() + m_node.consumersNotListed));
        tip << consumerTips;
        if (m_node.alsoProduces && !m_node.clients.isEmpty()) {
            QStringList clients;
            for (const QByteArray &c : m_node.clients)
                clients << QString::fromUtf8(c);
            tip << QObject::tr("Produces through: %1").arg(clients.join(QStringLiteral(", ")));
        }
        tip << QObject::tr("Double-click to open the group (a consumer's line: that consumer).");
        break;
    }
    }
    if (m_style->stale)
        tip.prepend(QObject::tr("Greyed: not current."));
    setToolTip(tip.join(QLatin1Char('\n')));
}

QFont ServiceMapNodeItem::fontOf(const Line &line) const {
    if (line.role == Line::Role::Title || (line.role == Line::Role::Consumer && line.tone))
        return m_style->titleFont;
    return m_style->font;
}

qreal ServiceMapNodeItem::naturalWidth() const {
    qreal widest = 0;
    for (const Line &line : m_lines)
        widest = std::max(widest, QFontMetricsF(fontOf(line)).horizontalAdvance(line.text));
    const qreal pad = m_style->padding();
    // A cylinder's caps take room on both sides (see textWidth()).
    const qreal caps = m_node.kind == ServiceMapNode::Kind::Stream ? 3 * 12.0 : 0;
    return std::max(std::ceil(widest + 2 * pad + caps), consumersWidth());
}

qreal ServiceMapNodeItem::consumersWidth() const {
    // A column is sized when it first appears and widens only for consumers (nodes do not
    // move as figures change): leave room for a live consumer's figures as they change ("idle
    // 12 ms" becomes "idle 1.2 s", a few pending become thousands), so its line is not elided
    // a poll later. A consumer that dies is drawn bold with "dead, " (its figures whole up to
    // 99 pending and a minute idle; the tooltip has them all).
    qreal widest = 0;
    const QFontMetricsF fm(m_style->font), bold(m_style->titleFont);
    for (const ServiceMapConsumer &c : m_node.consumers) {
        const QString name = nameText(c.name);
        widest = std::max(
            {widest,
             fm.horizontalAdvance(QObject::tr("%1: %2 pending, idle %3")
                                      .arg(name, formatCount(std::max<qint64>(c.pending, 8888)),
                                           QStringLiteral("88.8 s"))),
             bold.horizontalAdvance(QObject::tr("%1: dead, %2 pending, idle %3")
                                        .arg(name, formatCount(std::max<qint64>(c.pending, 88)),
                                             QStringLiteral("88.8 s")))});
    }
    return widest > 0 ? std::ceil(widest + 2 * m_style->padding()) : 0;
}

qreal ServiceMapNodeItem::contentHeight() const {
    return 2 * m_style->padding() + m_lines.size() * m_style->lineHeight();
}

void ServiceMapNodeItem::setSize(const QSizeF &size) {
    if (size == m_size)
        return;
    prepareGeometryChange();
    m_size = size;
    update();
}

qreal ServiceMapNodeItem::textWidth() const {
    const qreal caps = m_node.kind == ServiceMapNode::Kind::Stream ? 3 * 12.0 : 0;
    return std::max<qreal>(0, m_size.width() - 2 * m_style->padding() - caps);
}

qreal ServiceMapNodeItem::topOfLines() const {
    const qreal pad = m_style->padding();
    if (m_node.kind == ServiceMapNode::Kind::Group)
        return pad;
    return std::max(pad, (m_size.height() - m_lines.size() * m_style->lineHeight()) / 2);
}

QStringList ServiceMapNodeItem::drawnLines() const {
    QStringList out;
    for (const Line &line : m_lines)
        // A name keeps its start and end (they tell names apart); a sentence its start.
        out << QFontMetricsF(fontOf(line))
                   .elidedText(line.text,
                               line.role == Line::Role::Title ? Qt::ElideMiddle : Qt::ElideRight,
                               textWidth());
    return out;
}

qreal ServiceMapNodeItem::widestDrawnLine() const {
    qreal widest = 0;
    const QStringList drawn = drawnLines();
    for (int i = 0; i < drawn.size(); ++i)
        widest =
            std::max(widest, QFontMetricsF(fontOf(m_lines.at(i))).horizontalAdvance(drawn.at(i)));
    return widest;
}

std::optional<int> ServiceMapNodeItem::consumerAt(const QPointF &pos) const {
    if (!rect().contains(pos))
        return std::nullopt;
    const qreal top = topOfLines(), lh = m_style->lineHeight();
    const int index = int(std::floor((pos.y() - top) / lh));
    if (index < 0 || index >= m_lines.size() || m_lines.at(index).consumer < 0)
        return std::nullopt;
    return m_lines.at(index).consumer;
}

void ServiceMapNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) {
    const QRectF r = rect();
    const qreal pad = m_style->padding();
    painter->setRenderHint(QPainter::Antialiasing);
    qreal textLeft = pad;
    switch (m_node.kind) {
    case ServiceMapNode::Kind::Producer: {
        QPen pen(m_style->border(), 1.5, Qt::DashLine);
        painter->setPen(pen);
        painter->setBrush(m_style->fill());
        painter->drawRoundedRect(r.adjusted(1, 1, -1, -1), 10, 10);
        break;
    }
    case ServiceMapNode::Kind::Stream: {
        // A pipe lying left to right, its open end facing the groups.
        const qreal e = 12, h = r.height() - 2, w = r.width() - 2;
        const QRectF leftCap(1, 1, 2 * e, h), rightCap(1 + w - 2 * e, 1, 2 * e, h);
        QPainterPath body;
        body.moveTo(1 + e, 1);
        body.lineTo(1 + w - e, 1);
        body.arcTo(rightCap, 90, -180);
        body.lineTo(1 + e, 1 + h);
        body.arcTo(leftCap, 270, -180);
        body.closeSubpath();
        QColor tint = m_style->accent();
        tint.setAlpha(m_style->stale ? 20 : 38);
        painter->setPen(QPen(m_style->accent(), 1.5));
        painter->setBrush(m_style->fill());
        painter->drawPath(body);
        painter->setBrush(tint);
        painter->drawPath(body);
        painter->setBrush(m_style->fill());
        painter->drawEllipse(rightCap);
        textLeft = e + pad;
        break;
    }
    case ServiceMapNode::Kind::Group: {
        const bool loud = highlighted() && !m_style->stale;
        const QColor tone = m_style->severity(m_node.health);
        painter->setPen(QPen(m_node.health == Severity::Ok && !loud ? m_style->border() : tone,
                             m_node.health == Severity::Ok ? 1.5 : 3));
        painter->setBrush(m_style->fill());
        painter->drawRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 4, 4);
        // A band on the left in the health's tone: a lagging or failing group reads at a glance.
        QColor band = tone;
        if (m_node.health != Severity::Ok && !m_style->stale) {
            QColor wash = tone;
            wash.setAlpha(36);
            painter->setPen(Qt::NoPen);
            painter->setBrush(wash);
            painter->drawRoundedRect(r.adjusted(3, 3, -3, -3), 3, 3);
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(band);
        painter->drawRect(QRectF(3, 3, 4, r.height() - 6));
        textLeft = pad + 2;
        // A rule between the group's figures and its consumers.
        const qreal lh = m_style->lineHeight();
        int header = 0;
        while (header < m_lines.size() && m_lines.at(header).role != Line::Role::Consumer)
            ++header;
        if (header < m_lines.size()) {
            const qreal y = topOfLines() + header * lh - 0.5;
            painter->setPen(QPen(withAlpha(m_style->border(), 110), 1));
            painter->drawLine(QPointF(textLeft, y), QPointF(r.width() - pad, y));
        }
        break;
    }
    }

    const qreal lh = m_style->lineHeight(), width = textWidth();
    qreal y = topOfLines();
    const QStringList drawn = drawnLines();
    for (int i = 0; i < m_lines.size(); ++i, y += lh) {
        const Line &line = m_lines.at(i);
        painter->setFont(fontOf(line));
        QColor colour = m_style->text();
        if (line.tone)
            colour = m_style->severity(*line.tone);
        else if (line.role == Line::Role::Caption || line.role == Line::Role::More)
            colour = m_style->secondary();
        painter->setPen(colour);
        const QRectF box(textLeft, y, width, lh);
        painter->drawText(box, Qt::AlignLeft | Qt::AlignVCenter, drawn.at(i));
    }
}

// --- edge ------------------------------------------------------------------------------------

ServiceMapEdgeItem::ServiceMapEdgeItem(const ServiceMapStyle *style)
    : m_style(style) {
    setZValue(0);
    setAcceptHoverEvents(true);
}

QString ServiceMapEdgeItem::rateText(std::optional<double> perSecond) {
    if (!perSecond || std::isnan(*perSecond) || *perSecond < 0)
        return QStringLiteral("-");
    return formatRate(*perSecond, *perSecond < 100 ? 1 : 0) + QStringLiteral("/s");
}

QString ServiceMapEdgeItem::widestLabel(ServiceMapEdge::Kind kind) {
    const QString rate = formatRate(888888) + QStringLiteral("/s");
    return kind == ServiceMapEdge::Kind::Delivers ? QObject::tr("%1 delivered").arg(rate) : rate;
}

void ServiceMapEdgeItem::setEdge(const ServiceMapEdge &edge, std::optional<Severity> targetHealth) {
    m_edge = edge;
    m_targetHealth = targetHealth;
    restyle();
}

void ServiceMapEdgeItem::restyle() {
    const bool stale = m_style->stale;
    // A stale rate is not shown as if it were live.
    const auto rate = [stale](std::optional<double> v) {
        return stale ? QStringLiteral("-") : rateText(v);
    };
    if (m_edge.kind == ServiceMapEdge::Kind::Produces) {
        m_lines = QStringList{rate(m_edge.perSecond)};
        QStringList tip{QObject::tr("%1 entries added per second").arg(m_lines.first())};
        if (m_edge.inferred)
            tip << QObject::tr("Inferred from CLIENT LIST; the rate is the stream's.");
        if (m_edge.uncertain)
            tip << QObject::tr("Uncertain: the producer was seen writing while this stream and "
                               "others grew; it adds to one or more of them.");
        if (!m_edge.evidence.isEmpty())
            tip << m_edge.evidence;
        if (stale)
            tip << QObject::tr("Not current: no live rate.");
        setToolTip(tip.join(QLatin1Char('\n')));
    } else {
        m_lines = QStringList{QObject::tr("%1 delivered").arg(rate(m_edge.perSecond)),
                              QObject::tr("%1 acked").arg(rate(m_edge.acksPerSecond))};
        setToolTip(QObject::tr("Deliveries: %1\nAcknowledgements: %2%3")
                       .arg(rate(m_edge.perSecond), rate(m_edge.acksPerSecond),
                            stale ? QObject::tr("\nNot current: no live rate.")
                            : (!m_edge.perSecond || !m_edge.acksPerSecond)
                                ? QObject::tr("\n\"-\": not known yet (needs two polls; "
                                              "deliveries need Redis 7.0+).")
                                : QString()));
    }
    update();
}

void ServiceMapEdgeItem::setGeometry(const QPainterPath &path, const QRectF &labelRect,
                                     const QPointF &tip) {
    prepareGeometryChange();
    m_path = path;
    m_labelRect = labelRect;
    m_tip = tip;
}

QRectF ServiceMapEdgeItem::boundingRect() const {
    return m_path.boundingRect()
        .united(m_labelRect)
        .adjusted(-arrowLength, -arrowLength, arrowLength, arrowLength);
}

QPainterPath ServiceMapEdgeItem::shape() const {
    QPainterPathStroker stroker;
    stroker.setWidth(6);
    QPainterPath s = stroker.createStroke(m_path);
    s.addRect(m_labelRect);
    return s;
}

QString ServiceMapEdgeItem::drawnLabel() const {
    const QFontMetricsF fm(m_style->smallFont);
    QStringList drawn;
    for (const QString &line : m_lines)
        drawn << fm.elidedText(line, Qt::ElideRight, m_labelRect.width());
    return drawn.join(QStringLiteral(", "));
}

void ServiceMapEdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) {
    painter->setRenderHint(QPainter::Antialiasing);
    QColor colour = m_style->edge();
    if (m_targetHealth && *m_targetHealth != Severity::Ok && !m_style->stale)
        colour = m_style->severity(*m_targetHealth);
    // Inferred: dashed; not even sure which of some streams (uncertain): dotted.
    QPen pen(colour, 1.6,
             m_edge.uncertain ? Qt::DotLine : (m_edge.inferred ? Qt::DashLine : Qt::SolidLine));
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    QPolygonF head;
    head << m_tip << m_tip + QPointF(-arrowLength, -4.5) << m_tip + QPointF(-arrowLength, 4.5);
    painter->setPen(Qt::NoPen);
    painter->setBrush(colour);
    painter->drawPolygon(head);

    // The label, right-aligned against the arrow's head, a line each, on a wash of the
    // background so that a crossing arrow does not hide it.
    const QFontMetricsF fm(m_style->smallFont);
    const qreal lh = m_style->smallLineHeight();
    painter->setFont(m_style->smallFont);
    qreal y = m_labelRect.bottom() - m_lines.size() * lh;
    for (const QString &line : m_lines) {
        const QString text = fm.elidedText(line, Qt::ElideRight, m_labelRect.width());
        const qreal w = fm.horizontalAdvance(text);
        const QRectF box(m_labelRect.left(), y, m_labelRect.width(), lh);
        painter->setPen(Qt::NoPen);
        painter->setBrush(withAlpha(m_style->background(), 215));
        painter->drawRoundedRect(QRectF(box.right() - w - 3, box.top(), w + 6, lh), 3, 3);
        painter->setPen(m_style->text());
        painter->drawText(box, Qt::AlignRight | Qt::AlignVCenter, text);
        y += lh;
    }
}

// --- graphics view ---------------------------------------------------------------------------

ServiceMapGraphicsView::ServiceMapGraphicsView(QWidget *parent)
    : QGraphicsView(parent) {
    setDragMode(QGraphicsView::ScrollHandDrag);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setFocusPolicy(Qt::StrongFocus);
    for (QScrollBar *bar : {horizontalScrollBar(), verticalScrollBar()})
        connect(bar, &QScrollBar::actionTriggered, this, [this] { m_userMoved = true; });
}

void ServiceMapGraphicsView::zoomBy(qreal factor) {
    const qreal target = std::clamp(zoom() * factor, 0.1, 4.0);
    if (zoom() <= 0)
        return;
    const qreal f = target / zoom();
    scale(f, f);
    m_userMoved = true;
}

void ServiceMapGraphicsView::fitAll(qreal maxZoom) {
    if (!scene())
        return;
    // The items with the margin the scene rect leaves (ServiceMapView), so no scroll bar shows.
    const QRectF bounds = scene()->itemsBoundingRect().adjusted(-24, -24, 24, 24);
    if (bounds.isEmpty())
        return;
    fitInView(bounds, Qt::KeepAspectRatio);
    if (zoom() > maxZoom) {
        setTransform(QTransform::fromScale(maxZoom, maxZoom));
        centerOn(bounds.center());
    }
}

void ServiceMapGraphicsView::wheelEvent(QWheelEvent *event) {
    if (event->modifiers() & Qt::ControlModifier) {
        const int delta = event->angleDelta().y();
        if (delta != 0)
            zoomBy(std::pow(1.0015, delta));
        event->accept();
        return;
    }
    m_userMoved = true;
    QGraphicsView::wheelEvent(event);
}

void ServiceMapGraphicsView::keyPressEvent(QKeyEvent *event) {
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    if (event->matches(QKeySequence::ZoomIn)
        || (ctrl && (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal))) {
        const auto anchor = transformationAnchor();
        setTransformationAnchor(QGraphicsView::AnchorViewCenter);
        zoomBy(1.25);
        setTransformationAnchor(anchor);
        return;
    }
    if (event->matches(QKeySequence::ZoomOut) || (ctrl && event->key() == Qt::Key_Minus)) {
        const auto anchor = transformationAnchor();
        setTransformationAnchor(QGraphicsView::AnchorViewCenter);
        zoomBy(0.8);
        setTransformationAnchor(anchor);
        return;
    }
    if (ctrl && event->key() == Qt::Key_0) {
        fitAll();
        m_userMoved = false; // fitted: the map is fitted again as it grows
        return;
    }
    switch (event->key()) {
    case Qt::Key_Left:
    case Qt::Key_Right:
    case Qt::Key_Up:
    case Qt::Key_Down:
    case Qt::Key_PageUp:
    case Qt::Key_PageDown:
    case Qt::Key_Home:
    case Qt::Key_End:
        m_userMoved = true;
        break;
    default:
        break;
    }
    QGraphicsView::keyPressEvent(event);
}

void ServiceMapGraphicsView::mouseMoveEvent(QMouseEvent *event) {
    if (event->buttons() & Qt::LeftButton)
        m_userMoved = true; // dragging pans
    QGraphicsView::mouseMoveEvent(event);
}

void ServiceMapGraphicsView::mouseDoubleClickEvent(QMouseEvent *event) {
    const QPointF scenePos = mapToScene(event->position().toPoint());
    for (QGraphicsItem *item : items(event->position().toPoint())) {
        if (item->type() != ServiceMapNodeItem::Type)
            continue;
        auto *node = static_cast<ServiceMapNodeItem *>(item);
        const std::optional<int> consumer = node->consumerAt(node->mapFromScene(scenePos));
        Q_EMIT nodeDoubleClicked(node->node().key, consumer.value_or(-1));
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

} // namespace streamscope
