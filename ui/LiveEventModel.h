#pragma once

#include "StreamEntry.h"

#include <QAbstractTableModel>
#include <QTimer>

namespace streamscope {

// The live event table: raw entries, formatted in data(). Batches from the reader are buffered
// and flushed by one coalescing timer (at most ~30 flushes/s), one beginInsertRows per flush.
// Bounded: past the cap the oldest rows are dropped.
class LiveEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, StreamColumn, IdColumn, FieldsColumn, ColumnCount };
    enum Role { EntryRole = Qt::UserRole + 1, StreamNameRole };

    explicit LiveEventModel(QObject *parent = nullptr);

    void setRowCap(int cap);
    int rowCap() const { return m_cap; }
    qint64 droppedRows() const { return m_dropped; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const StreamEntry &entry(int row) const { return m_rows.at(row); }

    void appendBatch(const streamscope::StreamEntryList &batch);
    void clear();
    // Applies what is buffered now (tests; the timer does it otherwise).
    void flush();

Q_SIGNALS:
    // After each flush: how many rows came in. Views use it to follow the tail.
    void flushed(int inserted);

private:
    QList<StreamEntry> m_rows;
    QList<StreamEntry> m_pending;
    QTimer m_flushTimer;
    int m_cap = 100000;
    qint64 m_dropped = 0;
};

} // namespace streamscope
