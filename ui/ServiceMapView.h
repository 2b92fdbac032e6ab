#pragma once

#include "Freshness.h"
#include "ServiceMap.h"
#include "ServiceMapItems.h"

#include <QHash>
#include <QMap>
#include <QWidget>

class QGraphicsScene;
class QLabel;
class QStackedWidget;

namespace streamscope {

// The "Service map" tab: the event-driven system drawn as an architecture diagram, live.
// Producers (inferred, dashed) on the left, streams as pipes, consumer groups with their
// consumers on the right, coloured by health; arrows carry the live rates. Columns are the
// model's ranks and rows its orders, so a node keeps its place between updates: an update
// changes the items in place (keyed by node key) and keeps the user's zoom and scroll. A column
// is as wide as its longest label needs (up to a bound; longer names are elided, whole in the
// tooltip) and never narrows while the same server is shown, so nothing shifts as figures change.
class ServiceMapView : public QWidget {
    Q_OBJECT
public:
    explicit ServiceMapView(QWidget *parent = nullptr);

    void setMap(const streamscope::ServiceMap &map);
    // Not current: the whole map greyed, rates "-", "last updated hh:mm:ss" and why under it.
    void setFreshness(const streamscope::Freshness &freshness);

    const ServiceMap &map() const { return m_map; }
    const Freshness &freshness() const { return m_freshness; }

    // For tests and the benchmark.
    ServiceMapGraphicsView *graphicsView() const { return m_view; }
    QGraphicsScene *scene() const { return m_scene; }
    ServiceMapNodeItem *nodeItem(const QString &key) const { return m_nodes.value(key); }
    ServiceMapEdgeItem *edgeItem(const QString &from, const QString &to) const;
    QList<ServiceMapNodeItem *> nodeItems() const { return m_nodes.values(); }
    QList<ServiceMapEdgeItem *> edgeItems() const { return m_edges.values(); }
    QString emptyText() const; // "" while a map is drawn
    QString noteText() const;  // the notes under the map (producers, limit, freshness)
    bool showsEmpty() const;   // the empty-map message is shown instead of the map
    qreal zoom() const;
    void fitToView(); // Ctrl+0

Q_SIGNALS:
    void streamActivated(const QByteArray &stream);
    void groupActivated(const QByteArray &stream, const QByteArray &group);
    void consumerActivated(const QByteArray &stream, const QByteArray &group,
                           const QByteArray &consumer);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void layoutMap();
    void restyle();
    void updateNotes();
    void fitIfFirst();
    void onDoubleClicked(const QString &key, int consumer);

    ServiceMap m_map;
    Freshness m_freshness;
    bool m_haveMap = false; // a map arrived since connecting
    bool m_fitPending = false;

    ServiceMapStyle m_style;
    QStackedWidget *m_stack;
    QLabel *m_empty;
    ServiceMapGraphicsView *m_view;
    QGraphicsScene *m_scene;
    QLabel *m_note;
    QStringList m_notePlain;
    QHash<QString, ServiceMapNodeItem *> m_nodes; // by node key
    QHash<QString, ServiceMapEdgeItem *> m_edges; // by edgeKey()

    // Grow-only while the same server is shown: columns never narrow, rows never shrink, so a
    // changing figure never moves a node.
    QMap<int, qreal> m_columnWidth;
    QHash<int, qreal> m_straight; // by rank: the straight stretch (labels) before the column
    QHash<QPair<int, int>, qreal> m_rowHeight; // (rank, order)
    QRectF m_sceneRect;
};

} // namespace streamscope
