package dev.anneal.store.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A base model an administrator registered: a Hugging Face folder, shared by all tenants. */
@Entity
@Table(name = "base_model")
public class RegisteredBaseModel {

    @Id private String id;

    @Column(nullable = false)
    private String path;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected RegisteredBaseModel() {}

    RegisteredBaseModel(String id, String path, Instant createdAt) {
        this.id = id;
        this.path = path;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public String path() {
        return path;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
