package dev.anneal.api.auth;

import jakarta.enterprise.context.RequestScoped;

/** The tenant key a request was authenticated with (null for the administrator). */
@RequestScoped
public class CurrentKey {

    private String id;

    void set(String id) {
        this.id = id;
    }

    /** The key's id, or null when the request carries the administrator key. */
    public String id() {
        return id;
    }
}
