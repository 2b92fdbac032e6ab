#pragma once

// The graphics items of the service map (ui/ServiceMapView): a node (producer, stream, group or
// service) and an edge (an arrow with its live rate), and the graphics view that zooms, pans and
// reports double-clicks. The view decides where each goes; the items only draw what they are
// given, in the colours of one shared ServiceMapStyle (the palette's tones, greyed when stale).

#include "ServiceMap.h"

#include <QFont>
#include <QGraphicsItem>
#include <QGraphicsView>
#include <QPainterPath>
#include <QPalette>

#include <optional>

namespace streamscope {

// Fonts, sizes and colours shared by every item of one map; the view owns it and changes it
// when the palette, the font or the freshness changes, then repaints.
struct ServiceMapStyle {
    QPalette palette;
    QFont font, titleFont, smallFont;
    bool stale = false; // not current: everything greyed, rates "-"

    void setPalette(const QPalette &p) { palette = p; }
    void setFont(const QFont &f);

    qreal lineHeight() const;      // one line of text in a node
    qreal smallLineHeight() const; // an edge label
    qreal padding() const { return 8; }

    QColor text() const;      // ordinary text (muted when stale)
    QColor secondary() const; // captions, "inferred"
    QColor border() const;    // a node's outline
    QColor fill() const;      // a node's background
    QColor background() const;
    QColor edge() const;
    QColor accent() const;                  // streams
    QColor severity(Severity health) const; // Ok/Warning/Critical tones (muted when stale)
};

// One node of the map. Its size is set by the view (the column's width, its own height); what it
// draws is elided to that width, the whole text in the tooltip.
class ServiceMapNodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 0x5301 };
    explicit ServiceMapNodeItem(const ServiceMapStyle *style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    void setNode(const ServiceMapNode &node);
    const ServiceMapNode &node() const { return m_node; }
    // Text and tooltip again (after the style's freshness or fonts changed).
    void restyle();

    // Width that shows every line whole, and the height the lines need.
    qreal naturalWidth() const;
    // The width a group's consumer lines need, with room for their figures to change.
    qreal consumersWidth() const;
    qreal contentHeight() const;
    void setSize(const QSizeF &size);
    QRectF rect() const { return QRectF(QPointF(0, 0), m_size); }
    // Horizontal room for text inside the shape (a cylinder's caps take some).
    qreal textWidth() const;

    // The lines as drawn (elided to the box) and the widest of them in pixels.
    QStringList drawnLines() const;
    qreal widestDrawnLine() const;
    // The consumer whose line is at pos (item coordinates), if any.
    std::optional<int> consumerAt(const QPointF &pos) const;
    bool highlighted() const; // drawn in a Warning/Critical tone

private:
    struct Line {
        QString text;
        enum class Role { Title, Caption, Info, Health, Consumer, More } role = Role::Info;
        std::optional<Severity> tone; // coloured in this tone (Warning/Critical)
        int consumer = -1;
        bool operator==(const Line &o) const {
            return text == o.text && role == o.role && tone == o.tone && consumer == o.consumer;
        }
    };
    void rebuild();
    QFont fontOf(const Line &line) const;
    qreal topOfLines() const;

    const ServiceMapStyle *m_style;
    ServiceMapNode m_node;
    QList<Line> m_lines;
    QSizeF m_size;
};

// An arrow from one node to another, labelled with its live rate near the arrow's head.
class ServiceMapEdgeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 0x5302 };
    explicit ServiceMapEdgeItem(const ServiceMapStyle *style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    void setEdge(const ServiceMapEdge &edge, std::optional<Severity> targetHealth);
    const ServiceMapEdge &edge() const { return m_edge; }
    // The route (scene coordinates: the item sits at 0,0), the label's box above its last
    // straight stretch, and the arrow's tip.
    void setGeometry(const QPainterPath &path, const QRectF &labelRect, const QPointF &tip);
    void restyle();

    // "12.3/s", "8.0/s delivered, 7.9/s acked": the label in one line.
    QString label() const { return m_lines.join(QStringLiteral(", ")); }
    // As drawn: a line each ("8.0/s delivered", "7.9/s acked"), elided to labelRect, joined
    // like label() (equal to it when nothing had to be elided).
    QString drawnLabel() const;
    int labelLines() const { return int(m_lines.size()); }
    QRectF labelRect() const { return m_labelRect; }
    QPainterPath path() const { return m_path; }

    // "12.3/s" (one decimal under 100/s), "-" when unknown.
    static QString rateText(std::optional<double> perSecond);
    // The widest label line a rate up to 999,999/s makes: the room the view leaves for labels.
    static QString widestLabel(ServiceMapEdge::Kind kind = ServiceMapEdge::Kind::Delivers);
    // The lines a Delivers edge's label has (a Produces edge's: 1).
    static int linesOf(ServiceMapEdge::Kind kind) {
        return kind == ServiceMapEdge::Kind::Delivers ? 2 : 1;
    }

private:
    const ServiceMapStyle *m_style;
    ServiceMapEdge m_edge;
    std::optional<Severity> m_targetHealth;
    QStringList m_lines;
    QPainterPath m_path;
    QRectF m_labelRect;
    QPointF m_tip;
};

// The graphics view: Ctrl+wheel and Ctrl++ / Ctrl+- / Ctrl+0 zoom, dragging pans, a
// double-click on a node says which node (and which consumer line) it was.
class ServiceMapGraphicsView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ServiceMapGraphicsView(QWidget *parent = nullptr);

    qreal zoom() const { return transform().m11(); }
    void zoomBy(qreal factor);
    void fitAll(qreal maxZoom = 1.5);
    // The user has zoomed or scrolled (wheel, keys, dragging, the scroll bars): from then on
    // the view is theirs and the map is not fitted again. Ctrl+0 gives it back.
    bool userMoved() const { return m_userMoved; }
    void setUserMoved(bool moved) { m_userMoved = moved; }

Q_SIGNALS:
    void nodeDoubleClicked(const QString &key, int consumer); // consumer -1: the node itself

protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;

private:
    bool m_userMoved = false;
};

} // namespace streamscope
